package gcg

import "testing"

// encode is a test-only COCO RLE encoder (column-major runs, compressed string).
func encode(data []byte, h, w int) string {
	var runs []int64
	cur, n := byte(0), int64(0)
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			v := data[y*w+x]
			if v != cur {
				runs = append(runs, n)
				cur, n = v, 0
			}
			n++
		}
	}
	runs = append(runs, n)
	var out []byte
	for i, r := range runs {
		x := r
		if i > 2 {
			x -= runs[i-2]
		}
		for more := true; more; {
			c := x & 0x1f
			x >>= 5
			more = !((c&0x10 == 0 && x == 0) || (c&0x10 != 0 && x == -1))
			if more {
				c |= 0x20
			}
			out = append(out, byte(c+48))
		}
	}
	return string(out)
}

func TestDecodeMaskRoundTrip(t *testing.T) {
	h, w := 7, 5
	data := make([]byte, h*w)
	for i := range data {
		if (i*7919)%3 == 0 || (i > 10 && i < 20) {
			data[i] = 1
		}
	}
	m, err := DecodeMask(encode(data, h, w), []int32{int32(h), int32(w)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		if m.Data[i] != data[i] {
			t.Fatalf("pixel %d: %d, want %d", i, m.Data[i], data[i])
		}
	}
}

func TestDecodeMaskRejectsShortRuns(t *testing.T) {
	if _, err := DecodeMask("1", []int32{2, 2}); err == nil {
		t.Fatal("runs covering 1 of 4 pixels were accepted")
	}
}

func TestBboxOfEmptyMask(t *testing.T) {
	m := &Pixels{Height: 2, Width: 2, Data: make([]byte, 4)}
	if b := m.Bbox(); b[2] != 0 || b[3] != 0 {
		t.Fatalf("bbox %v", b)
	}
}
