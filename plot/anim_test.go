package plot

import (
	"bytes"
	"image"
	"image/draw"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAnimatePathGIF(t *testing.T) {
	path := langevin(200)
	opts := AnimOptions{Frames: 20, Delay: 50 * time.Millisecond, Title: "Langevin dynamics"}
	var buf bytes.Buffer
	if err := AnimatePathGIF(&buf, mixGrid(-1.5, 1.5, 60, true), path, opts); err != nil {
		t.Fatal(err)
	}
	anim, err := gif.DecodeAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(anim.Image); got != opts.Frames {
		t.Fatalf("%d frames, want %d", got, opts.Frames)
	}
	if b := anim.Image[0].Bounds(); b.Dx() != 300 || b.Dy() != 300 {
		t.Errorf("frames are %d×%d pixels, want the default 300×300", b.Dx(), b.Dy())
	}
	if anim.Delay[0] != 5 {
		t.Errorf("delay %d hundredths of a second, want 5", anim.Delay[0])
	}
	frames := composite(anim)
	for k := 1; k < len(frames); k++ {
		if bytes.Equal(frames[k].Pix, frames[k-1].Pix) {
			t.Errorf("frame %d is the same as frame %d", k, k-1)
		}
	}
	if dir := os.Getenv("SGM_PLOT_OUT"); dir != "" {
		// The first and last frames as PNGs, to look at.
		for _, k := range []int{0, len(anim.Image) / 2, len(anim.Image) - 1} {
			var b bytes.Buffer
			if err := png.Encode(&b, frames[k]); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "anim_frame_"+string(rune('a'+k))+".png"), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Fewer points than frames: one frame per point.
	buf.Reset()
	if err := AnimatePathGIF(&buf, mixGrid(-1.5, 1.5, 20, true), path[:10], AnimOptions{Size: 120}); err != nil {
		t.Fatal(err)
	}
	if anim, err := gif.DecodeAll(&buf); err != nil || len(anim.Image) != 5 {
		t.Errorf("5-point path: %v frames, error %v, want 5", len(anim.Image), err)
	}
}

// composite returns the frames of anim as shown: each drawn over the one
// before.
func composite(anim *gif.GIF) []*image.RGBA {
	canvas := image.NewRGBA(image.Rect(0, 0, anim.Config.Width, anim.Config.Height))
	out := make([]*image.RGBA, len(anim.Image))
	for k, frame := range anim.Image {
		draw.Draw(canvas, frame.Bounds(), frame, frame.Bounds().Min, draw.Over)
		out[k] = image.NewRGBA(canvas.Bounds())
		copy(out[k].Pix, canvas.Pix)
	}
	return out
}

func TestAnimatePathFile(t *testing.T) {
	dir := t.TempDir()
	p := mixGrid(-1.5, 1.5, 40, true)
	path := langevin(60)
	opts := AnimOptions{Size: 160, Frames: 12}

	out := filepath.Join(dir, "path.gif")
	if err := AnimatePathFile(out, p, path, opts); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("SGM_PLOT_OUT"); dir != "" {
		if err := AnimatePathFile(filepath.Join(dir, "density_path.gif"), p, langevin(200), AnimOptions{Title: "Langevin dynamics"}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if anim, err := gif.DecodeAll(f); err != nil || len(anim.Image) != opts.Frames {
		t.Errorf("%s: error %v, want %d frames", out, err, opts.Frames)
	}

	bad := filepath.Join(dir, "path.avi")
	if err := AnimatePathFile(bad, p, path, opts); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("AnimatePathFile(%s) = %v, want an error naming the path", bad, err)
	}
}

func TestAnimatePathMP4(t *testing.T) {
	if !HaveFFmpeg() {
		t.Skip("ffmpeg not on PATH")
	}
	out := filepath.Join(t.TempDir(), "path.mp4")
	if err := AnimatePathFile(out, mixGrid(-1.5, 1.5, 40, true), langevin(60), AnimOptions{Size: 160, Frames: 12}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("%s is empty or missing: %v", out, err)
	}
	if dir := os.Getenv("SGM_PLOT_OUT"); dir != "" {
		if err := AnimatePathFile(filepath.Join(dir, "density_path.mp4"), mixGrid(-1.5, 1.5, 60, true), langevin(200), AnimOptions{Title: "Langevin dynamics"}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAnimatePathMP4WithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out := filepath.Join(t.TempDir(), "path.mp4")
	err := AnimatePathFile(out, mixGrid(-1, 1, 10, true), langevin(10), AnimOptions{})
	if err == nil || !strings.Contains(err.Error(), "ffmpeg not found on PATH; write a .gif instead") {
		t.Errorf("without ffmpeg: %v, want the ffmpeg-not-found error", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("without ffmpeg %s was written", out)
	}
}

func TestAnimateBadInput(t *testing.T) {
	p := mixGrid(-1, 1, 10, true)
	for name, opts := range map[string]AnimOptions{
		"tiny frames":    {Size: 10},
		"negative delay": {Delay: -time.Second},
		"no frames":      {Frames: -1},
	} {
		if err := AnimatePathGIF(&bytes.Buffer{}, p, langevin(10), opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := AnimatePathGIF(&bytes.Buffer{}, p, nil, AnimOptions{}); err == nil {
		t.Error("empty path: no error")
	}
}
