module github.com/maybenot-go/maybenot

go 1.25.0

require (
	github.com/klauspost/compress v1.20.4
	gonum.org/v1/gonum v0.17.0
)
