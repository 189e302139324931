// Package serve is the explorer behind `sgm serve`: one web page that shows
// score-based models at work, and the JSON API it talks to.
//
// Every number is computed here, in Go, with the library's packages: the
// log-density and score of a target perturbed at a noise level (dist), the
// samplers' steps (sample), the reverse SDE/ODE samplers on a mixture's
// exact time-conditioned score, recorded as frames (sde, sample; reverse.go),
// W₂ against its noise floor and the mode weights (metric), training
// (train, scorenet). The page (web/, embedded) only draws.
//
// The server keeps no per-client state: each request carries its target
// (a Spec) and, for the samplers, the particles and the step count. The one
// exception is training: one job at a time per server (a second is answered
// "busy"), streamed to its client as server-sent events and stopped when the
// client goes away; its result is the trained model that the "learned"
// source uses and GET /api/model downloads as a checkpoint.
//
// Everything a client sends is untrusted: bodies, uploads, grids, particle
// counts and steps are bounded by Limits, no file path ever comes from a
// client, and an error is a JSON object {"error": "..."} of one line. One
// middleware (admit.go) stands before every handler: it refuses a browser's
// cross-origin request, a body of the wrong Content-Type, and bodies past
// their route's limit or the server's total, counting points as they
// arrive; targets are refused beyond ±1e9 (maxCoord), far from where
// squared distances overflow.
package serve
