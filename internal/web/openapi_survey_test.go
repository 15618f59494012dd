package web_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestOpenAPISurveys checks that the OpenAPI file documents the survey
// endpoints under their operation IDs, and that every reference in it
// resolves.
func TestOpenAPISurveys(t *testing.T) {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	want := map[string]string{
		"listInstruments": "GET /api/v1/instruments",
		"getInstrument":   "GET /api/v1/instruments/{id}",
		"getMyResults":    "GET /api/v1/instruments/{id}/results",
		"createRound":     "POST /api/v1/rounds",
		"submitResponse":  "POST /api/v1/rounds/{id}/responses",
	}
	got := map[string]string{}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			if op, ok := op.(map[string]any); ok {
				if id, ok := op["operationId"].(string); ok {
					got[id] = strings.ToUpper(method) + " " + path
				}
			}
		}
	}
	for id, route := range want {
		if got[id] != route {
			t.Errorf("operation %s documents %q, want %q", id, got[id], route)
		}
	}
	// Every $ref points at something.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				var cur any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := cur.(map[string]any)
					cur = m[part]
				}
				if cur == nil {
					t.Errorf("openapi.json: %s does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}
