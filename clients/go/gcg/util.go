package gcg

import (
	"errors"
	"fmt"
	"strconv"
)

func errorf(format string, args ...interface{}) error {
	return errors.New(fmt.Sprintf(format, args...))
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
