package main

import "fmt"

// labelColumnHelp is --label-column's usage.
const labelColumnHelp = "train a class-conditional model (classifier-free guidance, label dropout 0.1; any kind: levels, --sde, --objective cfm|otcfm): the `NAME` of the --data CSV's label column (its values any strings or integers), or component for a toy with labels (8gaussians, moons, circles) or a mixture; sample it with sgm sample --label"

// labelNote names a labelled model's labels for the line train prints;
// "" without labels.
func labelNote(labels []string) string {
	if len(labels) == 0 {
		return ""
	}
	return " with labels " + labelList(labels)
}

// labelList names labels for a message: all of them, or the first 10 and
// how many.
func labelList(labels []string) string {
	if len(labels) <= 10 {
		return fmt.Sprint(labels)
	}
	return fmt.Sprintf("%v ... (%d in all)", labels[:10], len(labels))
}
