package main

import "strings"

func run(args []string) string { return "tool " + strings.Join(args, " ") }
