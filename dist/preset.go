package dist

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
)

// presets maps each preset's name to a function building its components.
var presets = map[string]func() []Component{
	// The blog post's two-dimensional mixture: two equal modes on the diagonal.
	"seed-mog": func() []Component {
		return []Component{
			{Weight: 0.5, Mean: []float64{0.5, 0.5}, Std: []float64{0.4, 0.4}},
			{Weight: 0.5, Mean: []float64{-0.5, -0.5}, Std: []float64{0.4, 0.4}},
		}
	},
	// Song & Ermon (2019), section 3.2: two far-apart modes of weights 0.2
	// and 0.8, whose ratio the score alone cannot recover in low-density
	// regions, but annealed Langevin dynamics does.
	"two-modes-unequal": func() []Component {
		return []Component{
			{Weight: 0.2, Mean: []float64{-5, -5}, Std: []float64{1, 1}},
			{Weight: 0.8, Mean: []float64{5, 5}, Std: []float64{1, 1}},
		}
	},
	// Eight narrow equal modes on the unit circle, at angles 2πk/8.
	"ring8": func() []Component {
		comps := make([]Component, 8)
		for k := range comps {
			sin, cos := math.Sincos(2 * math.Pi * float64(k) / 8)
			comps[k] = Component{Weight: 1, Mean: []float64{cos, sin}, Std: []float64{0.1, 0.1}}
		}
		return comps
	},
	// The standard normal in two dimensions, whose score is -x.
	"standard-normal": func() []Component {
		return []Component{{Weight: 1, Mean: []float64{0, 0}, Std: []float64{1, 1}}}
	},
}

// PresetNames returns the names of the preset mixtures, sorted:
//
//	ring8              8 modes of std 0.1 on the unit circle, equal weights
//	seed-mog           the blog post's modes at ±(0.5, 0.5), std 0.4, equal weights
//	standard-normal    N(0, I) in two dimensions
//	two-modes-unequal  weights 0.2 and 0.8 at (-5, -5) and (5, 5), std 1
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for name := range presets {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Preset returns the preset mixture called name, or an error listing the
// known names.
func Preset(name string) (*Mixture, error) {
	build, ok := presets[name]
	if !ok {
		return nil, fmt.Errorf("unknown preset %q (known: %s)", name, strings.Join(PresetNames(), ", "))
	}
	return NewMixture(build())
}

// Target returns the mixture that spec names: the mixture in the JSON file
// at path spec if there is a file there, or else the preset called spec.
// It returns an error if spec is neither.
func Target(spec string) (*Mixture, error) {
	if fi, err := os.Stat(spec); err == nil && !fi.IsDir() {
		return LoadMixture(spec)
	}
	if _, ok := presets[spec]; ok {
		return Preset(spec)
	}
	return nil, fmt.Errorf("target %q is neither a mixture file nor a preset (presets: %s)", spec, strings.Join(PresetNames(), ", "))
}
