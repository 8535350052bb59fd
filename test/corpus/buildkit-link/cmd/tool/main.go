package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println(run(os.Args[1:]))
}
