module github.com/maybenot-go/maybenot

go 1.24.0

require github.com/klauspost/compress v1.19.0
