package chart

import (
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot/font"
)

type fontFace struct{ full string }

func faceName(f font.Font) fontFace {
	face := font.DefaultCache.Lookup(f, 12)
	if face.Face == nil {
		return fontFace{}
	}
	var b sfnt.Buffer
	n, err := face.Face.Name(&b, sfnt.NameIDFull)
	if err != nil {
		return fontFace{}
	}
	return fontFace{full: n}
}

func sansFace() fontFace { return faceName(sansFont) }
func boldFace() fontFace { return faceName(boldFont) }
