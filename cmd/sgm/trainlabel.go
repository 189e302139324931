package main

import "fmt"

// labelColumnHelp is --label-column's usage.
const labelColumnHelp = "train a class-conditional model (classifier-free guidance, label dropout 0.1; the GoMLX graph, slower than the fused engine): the `NAME` of the --data CSV's label column (its values any strings or integers), or component for a toy with labels (8gaussians, moons, circles) or a mixture; sample it with sgm sample --label"

// labelNote names a labelled model's labels for the line train prints:
// all of them, or the first 10 and how many; "" without labels.
func labelNote(labels []string) string {
	switch {
	case len(labels) == 0:
		return ""
	case len(labels) <= 10:
		return fmt.Sprintf(" with labels %v", labels)
	}
	return fmt.Sprintf(" with labels %v ... (%d in all)", labels[:10], len(labels))
}
