// Command goarena touches fresh pages through a pointer-receiver method, so
// perf prints Go's method symbols (`main.(*arena).touch`) in page-fault
// callchains. Built non-PIE (Go's default on linux/amd64) with frame pointers
// (Go's default), see ../record.sh.
package main

import (
	"fmt"
	"syscall"
)

type arena struct {
	mem []byte
}

const pageSize = 4096

func newArena(pages int) *arena {
	mem, err := syscall.Mmap(-1, 0, pages*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		panic(err)
	}
	return &arena{mem: mem}
}

//go:noinline
func (a *arena) touch(v byte) {
	for i := 0; i < len(a.mem); i += pageSize {
		a.mem[i] = v
	}
}

//go:noinline
func fill(pages int) int {
	a := newArena(pages)
	a.touch(1)
	return len(a.mem)
}

func main() {
	n := fill(8)
	done := make(chan int)
	go func() { done <- fill(4) }()
	n += <-done
	fmt.Println(n)
}
