package demo

import (
	"context"
	"testing"

	"tsunagari"
)

func TestDemoIdeas(t *testing.T) {
	ctx := context.Background()
	db, p := mustGenerate(t, 1, 0)
	st := db.Stores().Ideas
	all, err := st.FindIdeas(ctx, tsunagari.IdeaFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(ideaPlans) {
		t.Fatalf("%d ideas; want every plan", len(all))
	}
	for _, i := range all {
		if err := i.Validate(); err != nil {
			t.Errorf("%s: %v", i.Title, err)
		}
	}
	me := p.Personas["member@tsunagari.example"]
	mine, err := st.FindIdeas(ctx, tsunagari.IdeaFilter{PosterID: me.ID})
	if err != nil || len(mine) != 1 || !mine[0].Ready() {
		t.Errorf("the member persona's ideas = %v, %v; want one that has reached its goal", mine, err)
	}
	if found, err := st.FindIdeas(ctx, tsunagari.IdeaFilter{Query: "介護"}); err != nil || len(found) == 0 {
		t.Errorf("FindIdeas(介護) = %v, %v; want the care idea", found, err)
	}
}
