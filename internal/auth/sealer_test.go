package auth

import (
	"bytes"
	"testing"
)

func TestSealerRotation(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, KeySize), bytes.Repeat([]byte{2}, KeySize)
	before, _ := NewSealer(oldKey)
	sealed := before.Seal([]byte("面談メモ"), "note b1")

	after, err := NewSealer(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := after.Open(sealed, "note b1"); err != nil || string(got) != "面談メモ" {
		t.Fatalf("Open with the previous key = %q, %v", got, err)
	}
	moved, err := after.Reseal(sealed, "note b1")
	if err != nil || moved == "" || moved == sealed {
		t.Fatalf("Reseal = %q, %v; want a new sealed value", moved, err)
	}
	if again, err := after.Reseal(moved, "note b1"); err != nil || again != "" {
		t.Errorf("Reseal of a value under the current key = %q, %v; want no change", again, err)
	}
	// Once the old key is dropped, only the moved value opens.
	only, _ := NewSealer(newKey)
	if got, err := only.Open(moved, "note b1"); err != nil || string(got) != "面談メモ" {
		t.Errorf("Open of the moved value = %q, %v", got, err)
	}
	if _, err := only.Open(sealed, "note b1"); err == nil {
		t.Error("the value sealed under the dropped key still opens")
	}
	if _, err := after.Reseal(sealed, "note b2"); err == nil {
		t.Error("Reseal under another context succeeded")
	}
	if _, err := NewSealer(newKey, oldKey[:5]); err == nil {
		t.Error("NewSealer accepted a short previous key")
	}
}
