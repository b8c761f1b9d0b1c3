package node

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// The signing pages (H5): a party opens the one-time link
// <public_url>/sign/<token>; the page talks to the signer API
// (/v1/sign/{token}/..., docs/workflow.md) from the browser.
//
// The initiator's progress page, /wf/contracts/{id}, calls the platform
// API with the bearer token the operator types in.
//
//go:embed web/sign/index.html web/sign/sign.js web/sign/sign.css web/sign/progress.html web/sign/progress.js
var signFS embed.FS

var (
	signPage     = template.Must(template.ParseFS(signFS, "web/sign/index.html"))
	progressPage = template.Must(template.ParseFS(signFS, "web/sign/progress.html"))
)

// signCSP is webCSP plus same-origin frames, for the browser's own PDF viewer
// showing /v1/sign/{token}/pdf. No WebAssembly here.
const signCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// registerSign adds the signing pages when this node runs the workflow:
// without it they could only show errors.
func (a *api) registerSign() {
	if a.wf == nil {
		return
	}
	a.registerSignPages()
}

// registerSignPages adds GET /sign/{token} (the signing page), GET
// /wf/contracts/{id} (the progress page) and GET /web/sign/{asset}. The
// pages hold nothing secret: the token in a signing URL is read by the
// script, and every answer about a contract comes from the API.
func (a *api) registerSignPages() {
	route := func(pattern string, h http.HandlerFunc) {
		a.mux.Handle(pattern, a.metrics.instrument(pattern, h))
	}
	route("GET /sign/{token}", a.pageFn(signPage))
	route("GET /wf/contracts/{id}", a.pageFn(progressPage))
	route("GET /web/sign/{asset}", signAsset)
}

// signPageData fills the signing pages: webPageData and the validators'
// organisations, named in the footer.
type signPageData struct {
	webPageData
	Validators string
}

// pageFn serves the page template tpl in the request's language.
func (a *api) pageFn(tpl *template.Template) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := pageLang(r)
		orgs, err := a.validatorOrgs()
		if err != nil {
			a.internal(w, r, err)
			return
		}
		var buf bytes.Buffer
		if err := tpl.Execute(&buf, signPageData{webPageData{ChainID: a.chainID, Org: a.org, Lang: lang}, joinOrgs(orgs, lang)}); err != nil {
			a.internal(w, r, err)
			return
		}
		signHeaders(w, "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
	}
}

func signAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("asset")
	ctype, ok := webTypes[path.Ext(name)]
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no asset sign/"+name)
		return
	}
	data, err := fs.ReadFile(signFS, "web/sign/"+name)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no asset sign/"+name)
		return
	}
	signHeaders(w, ctype)
	_, _ = w.Write(data)
}

// signHeaders are webHeaders with the signing page's policy. The link's
// token is in the URL, so no Referer may carry it anywhere.
func signHeaders(w http.ResponseWriter, ctype string) {
	webHeaders(w, ctype)
	w.Header().Set("Content-Security-Policy", signCSP)
	w.Header().Set("Cache-Control", "no-store")
}

// pageLang picks zh or en: ?lang= first, then an Accept-Language that
// prefers English, else Chinese.
func pageLang(r *http.Request) string {
	switch q := r.URL.Query().Get("lang"); q {
	case "en", "zh":
		return q
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(tag)
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			return "zh"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return "en"
		}
	}
	return "zh"
}
