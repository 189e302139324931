package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Limits on the sizes that flags ask for. A size that asks for more memory
// than the machine can give (checkFits) or a count beyond maxCount
// (checkCount) is refused before anything is allocated, with the limit in
// the message, rather than left to panic in makeslice, to be killed by the
// kernel, or to overflow an int.

// maxCount bounds counts that cost time rather than memory (steps,
// projections, leapfrog steps): 2^40 ≈ 1.1e12, beyond any run that ends,
// and small enough that a sum of a few such counts cannot overflow an int
// and each is exact in float64. Products of counts are taken in float64.
const maxCount = 1 << 40

// defaultMemory is the memory assumed where /proc/meminfo cannot be read.
const defaultMemory = 16 << 30

// memoryBudget is the most memory that one command's arrays may ask for:
// half the machine's physical memory (MemTotal of /proc/meminfo), leaving
// the rest to the network, the runtime and other processes.
var memoryBudget = sync.OnceValue(func() float64 {
	return physicalMemory() / 2
})

// physicalMemory reads MemTotal from /proc/meminfo, in bytes, or returns
// defaultMemory.
func physicalMemory() float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return defaultMemory
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest) // "16318496 kB"
		if len(fields) == 2 && fields[1] == "kB" {
			if kb, err := strconv.ParseFloat(fields[0], 64); err == nil && kb > 0 {
				return kb * 1024
			}
		}
	}
	return defaultMemory
}

// checkCount returns a usage error naming --flag unless least <= v <=
// maxCount.
func checkCount(flag string, v, least int) error {
	if err := checkAtLeast(flag, v, least); err != nil {
		return err
	}
	if v > maxCount {
		return usagef("--%s %d is too large: at most %d (2^40)", flag, v, maxCount)
	}
	return nil
}

// checkFits returns a usage error naming --flag and v unless bytes(v), the
// memory in bytes that v asks for (what, for the message), fits in
// memoryBudget(). The message gives the largest value that fits, found by
// bisection: bytes must be non-decreasing. Compute bytes in float64, so
// that it cannot overflow.
func checkFits(flag string, v int, what string, bytes func(v int) float64) error {
	budget := memoryBudget()
	if need := bytes(v); need <= budget {
		return nil
	}
	lo, hi := 0, v // bytes(lo) fits (or lo == 0), bytes(hi) does not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if bytes(mid) <= budget {
			lo = mid
		} else {
			hi = mid
		}
	}
	return usagef("--%s %d: %s would take %s, more than the %s this machine allows (half its memory); at most %d",
		flag, v, what, byteSize(bytes(v)), byteSize(budget), lo)
}

// byteSize formats a number of bytes with a binary prefix: "1.5 GiB".
func byteSize(b float64) string {
	if math.IsInf(b, 1) {
		return "more than 1e308 bytes"
	}
	const units = "KMGTPEZY"
	if b < 1024 {
		return fmt.Sprintf("%.0f B", b)
	}
	i := -1
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return fmt.Sprintf("%.3g %ciB", b, units[i])
}
