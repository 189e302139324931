package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sgm-dev/sgm/data"
	"github.com/sgm-dev/sgm/model"
)

// TestKillNineKeepsHistory: for every kind of model, sgm train killed with
// SIGKILL while it checkpoints every 5 steps, its loss.csv then lost (as
// after a kill between a checkpoint and the loss file), resumes with no
// setting restated but a longer --steps, and its loss history has every
// step from 1 on: the history is saved with each checkpoint as one unit.
// (A time-conditioned run wrote no history before its end, and a level
// run's loss.csv could lag its checkpoint by up to a checkpoint's steps.)
func TestKillNineKeepsHistory(t *testing.T) {
	tiny := []string{"--width", "16", "--features", "8", "--depth", "1", "--batch", "16", "--checkpoint-every", "5", "--steps", "1000000"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"levels", []string{"--data", "toy:moons"}},
		{"vp", []string{"--data", "toy:moons", "--sde", "vp"}},
		{"flow", []string{"--data", "toy:moons", "--objective", "cfm"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			cmd, stderr := sgmProcess(t, "", append(append([]string{"train", "--out", dir}, c.args...), tiny...)...)
			// Wait for a few checkpoints (KeepCheckpoints of them on disk).
			for deadline := time.Now().Add(2 * time.Minute); ; {
				if files, _ := filepath.Glob(filepath.Join(dir, "checkpoint-n000000[2-9]*.json")); len(files) > 0 {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("no third checkpoint within 2 minutes; stderr %q", stderr.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			if err := os.Remove(filepath.Join(dir, "loss.csv")); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			m, err := model.Open(dir)
			if err != nil {
				t.Fatalf("the newest checkpoint after kill -9: %v", err)
			}
			at := m.Record().Step
			code, _, errOut := runSGM(t, "train", "--resume", "--out", dir, "--steps", strconv.Itoa(at+7))
			if code != 0 {
				t.Fatalf("resume: exit %d: %s", code, errOut)
			}
			h, err := readLossFile(filepath.Join(dir, "loss.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if len(h) != at+7 {
				t.Errorf("loss.csv has %d steps after resuming from step %d to %d, want %d", len(h), at, at+7, at+7)
			}
			for i, s := range h {
				if s != i+1 {
					t.Fatalf("loss.csv: step %d at row %d: a gap", s, i+1)
				}
			}
		})
	}
}

// readLossFile returns the steps of a loss.csv.
func readLossFile(path string) ([]int, error) {
	header, pts, err := data.ReadCSVFile(path)
	if err != nil {
		return nil, err
	}
	if len(header) != 2 {
		return nil, fmt.Errorf("%s: header %v", path, header)
	}
	var steps []int
	for i := 0; i < len(pts); i += 2 {
		steps = append(steps, int(pts[i]))
	}
	return steps, nil
}
