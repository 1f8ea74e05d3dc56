// Command guard is a guard-page write barrier in Go, the pattern of
// ../guard/guard.c: pages mapped with syscall.Mmap are made fault-prone by
// syscall.Mprotect from two functions (protectYoung: the even pages
// read-only; protectOld: the odd pages PROT_NONE), stores from two methods
// fault on them, and — with debug.SetPanicOnFault — the fault becomes a
// panic that tryStore's deferred function recovers: it makes the page
// writable again with its own Mprotect and the store retries.
//
// Three workers, each locked to its own OS thread (runtime.LockOSThread),
// run the cycle on an arena of their own: per worker 16 first-touch faults,
// then 4 rounds of 16 guard-page faults (8 on read-only pages, 8 on PROT_NONE
// ones), 16 protecting and 16 unprotecting mprotect calls. Fixed counts; the
// Go runtime's own start-up faults vary a little from run to run.
// Built non-PIE with frame pointers (Go's defaults on linux/amd64): record.sh.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"unsafe"
)

const (
	pageSize = 4096
	pages    = 16
	rounds   = 4
	workers  = 3
)

type arena struct {
	mem     []byte
	retries int
}

func newArena() *arena {
	mem, err := syscall.Mmap(-1, 0, pages*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		panic(err)
	}
	return &arena{mem: mem}
}

func (a *arena) page(i int) []byte { return a.mem[i*pageSize : (i+1)*pageSize] }

// Write barrier set-up for the young generation: the even pages, read-only.
//
//go:noinline
func (a *arena) protectYoung() {
	for i := 0; i < pages; i += 2 {
		if err := syscall.Mprotect(a.page(i), syscall.PROT_READ); err != nil {
			panic(err)
		}
	}
}

// Write barrier set-up for the old generation: the odd pages, no access.
//
//go:noinline
func (a *arena) protectOld() {
	for i := 1; i < pages; i += 2 {
		if err := syscall.Mprotect(a.page(i), syscall.PROT_NONE); err != nil {
			panic(err)
		}
	}
}

// The recovery's own mprotect: makes the faulting page writable again.
//
//go:noinline
func (a *arena) unprotect(addr uintptr) {
	base := uintptr(unsafe.Pointer(&a.mem[0]))
	if addr < base || addr >= base+uintptr(len(a.mem)) {
		panic(fmt.Sprintf("fault at %#x outside the arena", addr))
	}
	i := int(addr-base) / pageSize
	if err := syscall.Mprotect(a.page(i), syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		panic(err)
	}
	a.retries++
}

// Mutator 1: a pointer-sized store into an object field.
//
//go:noinline
func (a *arena) writeField(off int, v uint64) {
	*(*uint64)(unsafe.Pointer(&a.mem[off])) = v
}

// Mutator 2: an object header update (a byte store at the start of a page).
//
//go:noinline
func (a *arena) writeHeader(off int, mark byte) {
	a.mem[off] = mark
}

// tryStore makes one store; a fault on a protected page panics (SetPanicOnFault),
// and the deferred function unprotects the page and reports the store undone.
//
//go:noinline
func (a *arena) tryStore(i, round int) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			f, isFault := r.(interface{ Addr() uintptr })
			if !isFault {
				panic(r)
			}
			a.unprotect(f.Addr())
			ok = false
		}
	}()
	if i%4 == 0 {
		a.writeHeader(i*pageSize, byte(round))
	} else {
		a.writeField(i*pageSize+64*(i%8), uint64(round*1000+i))
	}
	return true
}

//go:noinline
func (a *arena) mutate(round int) {
	for i := 0; i < pages; i++ {
		for !a.tryStore(i, round) {
		}
	}
}

func worker(wg *sync.WaitGroup, out *int) {
	defer wg.Done()
	runtime.LockOSThread() // each worker its own thread, for the life of the goroutine
	debug.SetPanicOnFault(true)
	a := newArena()
	for i := 0; i < pages; i++ {
		a.mem[i*pageSize] = 1 // first touch: one fault per page
	}
	for round := 0; round < rounds; round++ {
		a.protectYoung()
		a.protectOld()
		a.mutate(round)
	}
	if err := syscall.Munmap(a.mem); err != nil {
		panic(err)
	}
	*out = a.retries
}

func main() {
	var wg sync.WaitGroup
	retries := make([]int, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go worker(&wg, &retries[w])
	}
	wg.Wait()
	total := 0
	for _, n := range retries {
		total += n
	}
	fmt.Printf("retries: %d\n", total)
	if total != workers*rounds*pages {
		os.Exit(1)
	}
}
