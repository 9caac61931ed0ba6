// Command crasher is a plugin that dies at start-up every time, for the host's tests.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "crasher: cannot open my configuration")
	os.Exit(3)
}
