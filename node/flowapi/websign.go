package flowapi

import (
	"bytes"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/web"
)

// The signing pages (H5): a party opens the one-time link
// <public_url>/sign/<token>; the page talks to the signer API
// (/v1/sign/{token}/..., docs/workflow.md) from the browser.
//
// The initiator's progress page, /wf/contracts/{id}, calls the platform
// API with the bearer token the operator types in.
//
// The templates are node/web's.
var (
	signPage     = template.Must(template.ParseFS(web.Sign, "sign/index.html"))
	progressPage = template.Must(template.ParseFS(web.Sign, "sign/progress.html"))
	batchPage    = template.Must(template.ParseFS(web.Sign, "sign/batch.html"))
)

// SignCSP is web.CSP plus same-origin frames, for the browser's own PDF viewer
// showing /v1/sign/{token}/pdf, and blob: images, for the picture of an OFD
// page the script fetches (to read its X-Sealchain-Unsupported header). No
// WebAssembly here.
const SignCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// registerSignPages adds GET /sign/{token} (the signing page), GET
// /wf/contracts/{id} (the progress page) and GET /web/sign/{asset}. The
// pages hold nothing secret: the token in a signing URL is read by the
// script, and every answer about a contract comes from the API.
// RegisterPages adds the signing pages alone, against an API served
// elsewhere (tests; the node adds them with the API in Register).
// validatorOrgs may be nil (no footer names).
func RegisterPages(rt *httpjson.Router, chainID, org string, validatorOrgs func() ([]string, error)) {
	if validatorOrgs == nil {
		validatorOrgs = func() ([]string, error) { return nil, nil }
	}
	w := &wfAPI{chainID: chainID, org: org, validatorOrgs: validatorOrgs, logger: slog.New(slog.DiscardHandler)}
	w.registerSignPages(rt.Route)
}

func (a *wfAPI) registerSignPages(route func(string, http.HandlerFunc)) {
	route("GET /sign/{token}", a.pageFn(signPage))
	route("GET /sign/batch/{btoken}", a.pageFn(batchPage))
	route("GET /wf/contracts/{id}", a.pageFn(progressPage))
	route("GET /web/sign/{asset}", signAsset)
}

// signPageData fills the signing pages: the chain, this node's org, the
// language and the validators' organisations, named in the footer.
type signPageData struct {
	ChainID, Org, Lang string
	Validators         string
}

// pageFn serves the page template tpl in the request's language.
func (a *wfAPI) pageFn(tpl *template.Template) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := pageLang(r)
		orgs, err := a.validatorOrgs()
		if err != nil {
			a.internal(w, r, err)
			return
		}
		var buf bytes.Buffer
		if err := tpl.Execute(&buf, signPageData{ChainID: a.chainID, Org: a.org, Lang: lang, Validators: joinOrgs(orgs, lang)}); err != nil {
			a.internal(w, r, err)
			return
		}
		signHeaders(w, "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
	}
}

func signAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("asset")
	ctype, ok := web.Types[path.Ext(name)]
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no asset sign/"+name)
		return
	}
	data, err := fs.ReadFile(web.Sign, "sign/"+name)
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
	web.Headers(w, ctype)
	w.Header().Set("Content-Security-Policy", SignCSP)
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

// joinOrgs lists names in lang: "甲、乙和丙" or "A, B and C".
func joinOrgs(names []string, lang string) string {
	sep, and := "、", "和"
	if lang == "en" {
		sep, and = ", ", " and "
	}
	switch len(names) {
	case 0:
		if lang == "en" {
			return "this chain's validators"
		}
		return "本链的验证节点"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], sep) + and + names[len(names)-1]
}
