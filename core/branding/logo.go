package branding

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	_ "image/jpeg" // decode JPEG logos
	"image/png"
	"io"
	"strings"

	"golang.org/x/image/draw"

	"github.com/atriumhq/atrium/core/refusal"
)

// MaxLogoBytes is the largest logo accepted.
const MaxLogoBytes = 1 << 20

// Errors of a refused logo, as message ids.
var (
	ErrLogoSize   = refusal.New(refusal.Invalid, "branding: the logo is too large", "branding.error.logo_size").On("logo")
	ErrLogoFormat = refusal.New(refusal.Invalid, "branding: the logo is no PNG, JPEG or SVG", "branding.error.logo_format").On("logo")
)

// CleanLogo accepts an SVG (rewritten from an allow-list of drawing elements
// and attributes: no scripts, event handlers, external references or
// embedded documents) or a PNG/JPEG (size read before decoding, scaled to at
// most 512×128 and re-encoded as PNG, so no metadata survives).
func CleanLogo(data []byte) ([]byte, string, error) {
	if len(data) == 0 || len(data) > MaxLogoBytes {
		return nil, "", ErrLogoSize
	}
	if looksLikeSVG(data) {
		clean, err := cleanSVG(data)
		if err != nil {
			return nil, "", ErrLogoFormat
		}
		return clean, "image/svg+xml", nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") || cfg.Width > 8000 || cfg.Height > 8000 || cfg.Width*cfg.Height > 20_000_000 {
		return nil, "", ErrLogoFormat
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", ErrLogoFormat
	}
	b := img.Bounds()
	scale := min(1, min(512/float64(b.Dx()), 128/float64(b.Dy())))
	out := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))))
	draw.CatmullRom.Scale(out, out.Bounds(), img, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "image/png", nil
}

func looksLikeSVG(data []byte) bool {
	head := strings.ToLower(string(data[:min(len(data), 512)]))
	return strings.Contains(head, "<svg") || strings.HasPrefix(strings.TrimSpace(head), "<?xml")
}

var svgElements = map[string]bool{
	"svg": true, "g": true, "path": true, "rect": true, "circle": true, "ellipse": true, "line": true,
	"polyline": true, "polygon": true, "text": true, "tspan": true, "defs": true, "lineargradient": true,
	"radialgradient": true, "stop": true, "title": true, "desc": true, "clippath": true, "mask": true,
}

var svgAttributes = map[string]bool{
	"viewbox": true, "width": true, "height": true, "x": true, "y": true, "x1": true, "x2": true, "y1": true, "y2": true,
	"cx": true, "cy": true, "r": true, "rx": true, "ry": true, "d": true, "points": true, "fill": true, "stroke": true,
	"stroke-width": true, "stroke-linecap": true, "stroke-linejoin": true, "opacity": true, "fill-opacity": true,
	"stroke-opacity": true, "fill-rule": true, "clip-rule": true, "transform": true, "id": true, "offset": true,
	"stop-color": true, "stop-opacity": true, "font-family": true, "font-size": true, "font-weight": true,
	"text-anchor": true, "gradientunits": true, "gradienttransform": true, "clip-path": true, "mask": true,
	"preserveaspectratio": true, "version": true,
}

// cleanSVG rewrites an SVG keeping only allowed elements and attributes;
// everything inside a refused element is dropped with it. A DOCTYPE (entity
// tricks) or a processing instruction other than the XML declaration fails.
func cleanSVG(data []byte) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var out bytes.Buffer
	enc := xml.NewEncoder(&out)
	skip, sawSVG := 0, false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if skip > 0 || !svgElements[name] {
				skip++
				continue
			}
			sawSVG = sawSVG || name == "svg"
			clean := xml.StartElement{Name: xml.Name{Local: t.Name.Local}}
			for _, a := range t.Attr {
				key := strings.ToLower(a.Name.Local)
				val := strings.ToLower(a.Value)
				if a.Name.Space != "" || !svgAttributes[key] || strings.Contains(val, "url(") && !strings.Contains(val, "url(#") || strings.Contains(val, "javascript:") {
					continue
				}
				clean.Attr = append(clean.Attr, xml.Attr{Name: xml.Name{Local: a.Name.Local}, Value: a.Value})
			}
			if name == "svg" {
				clean.Attr = append(clean.Attr, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: "http://www.w3.org/2000/svg"})
			}
			if err := enc.EncodeToken(clean); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if err := enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: t.Name.Local}}); err != nil {
				return nil, err
			}
		case xml.CharData:
			if skip == 0 {
				if err := enc.EncodeToken(t.Copy()); err != nil {
					return nil, err
				}
			}
		case xml.Directive:
			return nil, errors.New("svg: directives are not allowed")
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, errors.New("svg: processing instructions are not allowed")
			}
		}
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	if !sawSVG {
		return nil, errors.New("svg: no svg element")
	}
	return out.Bytes(), nil
}
