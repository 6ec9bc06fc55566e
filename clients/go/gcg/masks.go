package gcg

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// DecodeCounts decodes a COCO compressed counts string into run lengths (pycocotools' rleFrString).
func DecodeCounts(counts string) ([]int64, error) {
	var runs []int64
	p := 0
	for p < len(counts) {
		var value int64
		shift := uint(0)
		more := true
		for more {
			if p >= len(counts) {
				return nil, fmt.Errorf("RLE counts string ends inside a number at %d", p)
			}
			c := int64(counts[p]) - 48
			if c < 0 || c > 63 {
				return nil, fmt.Errorf("RLE counts string has a bad character %q at %d", counts[p], p)
			}
			value |= (c & 0x1f) << shift
			more = c&0x20 != 0
			p++
			shift += 5
			if !more && c&0x10 != 0 {
				value |= -1 << shift
			}
		}
		if len(runs) > 2 {
			value += runs[len(runs)-2]
		}
		runs = append(runs, value)
	}
	return runs, nil
}

// Pixels is a decoded mask, row-major, one byte (0 or 1) per pixel.
type Pixels struct {
	Height, Width int
	Data          []byte
}

// DecodeMask decodes a COCO RLE of size [height, width] (runs column-major, background first).
func DecodeMask(counts string, size []int32) (*Pixels, error) {
	if len(size) != 2 {
		return nil, fmt.Errorf("mask size must be [height, width], got %v", size)
	}
	h, w := int(size[0]), int(size[1])
	runs, err := DecodeCounts(counts)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, r := range runs {
		if r < 0 {
			return nil, fmt.Errorf("RLE counts string has a negative run")
		}
		total += r
	}
	if total != int64(h*w) {
		return nil, fmt.Errorf("RLE runs cover %d pixels, the mask has %d", total, h*w)
	}
	m := &Pixels{Height: h, Width: w, Data: make([]byte, h*w)}
	i := 0
	for k, r := range runs {
		if k%2 == 1 {
			for j := i; j < i+int(r); j++ {
				m.Data[(j%h)*w+j/h] = 1
			}
		}
		i += int(r)
	}
	return m, nil
}

// Area is the number of foreground pixels.
func (m *Pixels) Area() int {
	n := 0
	for _, v := range m.Data {
		n += int(v)
	}
	return n
}

// Bbox is [x, y, width, height] of the foreground, zeros when empty.
func (m *Pixels) Bbox() []int32 {
	minX, minY, maxX, maxY := m.Width, m.Height, -1, -1
	for y := 0; y < m.Height; y++ {
		for x := 0; x < m.Width; x++ {
			if m.Data[y*m.Width+x] != 0 {
				minX, maxX = min(minX, x), max(maxX, x)
				minY, maxY = min(minY, y), max(maxY, y)
			}
		}
	}
	if maxX < 0 {
		return []int32{0, 0, 0, 0}
	}
	return []int32{int32(minX), int32(minY), int32(maxX - minX + 1), int32(maxY - minY + 1)}
}

// SHA256 is the hex SHA-256 of the row-major 0/1 pixel bytes: the conformance fingerprint.
func (m *Pixels) SHA256() string {
	sum := sha256.Sum256(m.Data)
	return hex.EncodeToString(sum[:])
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}
