package serve

import (
	"fmt"
	"net/http"
)

// maxStepFrames bounds stepRequest.Frames.
const maxStepFrames = 16

// stepFrames answers a step request with Frames > 1: K/Frames steps,
// Frames times, each exactly the request with K/Frames steps from the
// state before (the same noise streams (Seed, T+1)), returning every
// state. One request then carries several animation frames: a browser
// spends about 15 to 20 ms on a request besides the server's work (a
// fetch, its JSON and base64, measured in TestBrowser), which alone held
// 2,000 particles under 30 frames per second.
func (s *Server) stepFrames(req *stepRequest) (*stepResponse, int, error) {
	if req.Frames == 0 || req.Frames == 1 {
		return s.step(req)
	}
	if req.Frames < 0 || req.Frames > maxStepFrames {
		return nil, http.StatusBadRequest, fmt.Errorf("frames %d: must be in [1, %d]", req.Frames, maxStepFrames)
	}
	if req.K%req.Frames != 0 {
		return nil, http.StatusBadRequest, fmt.Errorf("k %d: must be a multiple of frames %d", req.K, req.Frames)
	}
	sub := *req
	sub.K, sub.Frames = req.K/req.Frames, 0
	var out stepResponse
	for range req.Frames {
		res, status, err := s.step(&sub)
		if err != nil {
			return nil, status, err
		}
		out.Frames = append(out.Frames, *res)
		sub.X, sub.T = res.X, res.T
		if res.Done {
			break
		}
	}
	last := out.Frames[len(out.Frames)-1]
	out.X, out.T, out.Done, out.Sigma, out.Accept = last.X, last.T, last.Done, last.Sigma, last.Accept
	return &out, 0, nil
}
