module github.com/maybenot-go/maybenot

go 1.24.0

require (
	github.com/go-json-experiment/json v0.0.0-20250813024750-ebf49471dced
	github.com/klauspost/compress v1.19.0
	gonum.org/v1/gonum v0.17.0
)
