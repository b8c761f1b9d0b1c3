//go:build tools

// Package tools pins modules that the signing core and evidence reports use
// while their code lands package by package, so `go mod tidy` keeps them.
package tools

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/pdfcpu/pdfcpu/pkg/api"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/tjfoc/gmsm/sm2"
	_ "golang.org/x/image/font/opentype"
)
