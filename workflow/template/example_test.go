package template_test

import (
	"fmt"

	"github.com/sealchain/sealchain/workflow/template"
)

func ExampleTemplate_Render() {
	tpl, err := template.Parse("nda", "保密协议 NDA", "{{discloser}} 与 {{recipient}} 约定保密。\n\n{{sign:discloser}}\n{{sign:recipient}}")
	if err != nil {
		panic(err)
	}
	fmt.Println(tpl.Fields(), tpl.Parties())

	_, err = tpl.Render(map[string]string{"discloser": "甲公司", "recipent": "乙公司"})
	fmt.Println(err)

	doc, err := tpl.Render(map[string]string{"discloser": "甲公司", "recipient": "乙公司"})
	if err != nil {
		panic(err)
	}
	for _, a := range doc.Areas {
		fmt.Printf("%s signs on page %d at [%g %g %g %g]\n", a.Role, a.Page, a.X, a.Y, a.W, a.H)
	}
	// Output:
	// [discloser recipient] [discloser recipient]
	// template: missing fields: recipient; unknown fields: recipent
	// discloser signs on page 1 at [64 578.24 150 120]
	// recipient signs on page 1 at [64 443.24 150 120]
}
