package e2e_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/documents/documentstest"
	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestBrowser_Documents uploads a résumé and a cover letter through the
// documents page's file input, sees a program named .pdf refused with what
// to upload instead, makes a second résumé the default, downloads the exact
// bytes with the page's link, and deletes a document after confirming.
func TestBrowser_Documents(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t, 1280, 900)
	dir := screenshotDir(t)
	s := startStack(t, stackOpts{NoWorker: true})
	s.startMailer(t)
	email := "documents-" + domain.NewID().String()[24:] + "@example.test"
	signInBrowser(t, ctx, s, email)
	user, err := s.db.UserByEmail(context.Background(), email)
	require.NoError(t, err)

	files := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	pdf := documentstest.PDF("Ada Lovelace, analyst")
	cv := file("Ada Lovelace CV.pdf", pdf)
	letter := file("letter.docx", documentstest.DOCX(t, "Dear Acme"))
	second := file("cv-2025.docx", documentstest.DOCX(t, "Ada, 2025"))
	fake := file("invoice.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00 a Windows program"))
	// uploadAs submits the form and waits for the page that answers it
	// (until: an XPath only that page matches).
	uploadAs := func(kind, path, until string) error {
		return step(ctx,
			chromedp.SetValue(chromedp.CSS(`#f-kind`), kind),
			chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{path}),
			chromedp.Click(chromedp.CSS(`form[action="/documents"] button`)),
			chromedp.WaitVisible(until),
		)
	}
	listed := func(name string) string { return `//tr[@data-document][contains(., "` + name + `")]` }

	require.NoError(t, step(ctx,
		chromedp.Click(`//nav/a[.="Documents"]`),
		chromedp.WaitVisible(`//h1[.="Documents"]`),
	))
	require.NoError(t, uploadAs("resume", cv, listed("Ada Lovelace CV.pdf")))
	require.NoError(t, uploadAs("resume", fake, `//p[@id="f-file-error"]`))
	refusal, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#f-file-error").innerText`))
	require.NoError(t, err)
	require.Contains(t, refusal, "the file is a program, not a document")
	require.Contains(t, refusal, "as a PDF, or as a Word document saved as .docx")
	require.NoError(t, uploadAs("cover_letter", letter, listed("letter.docx")))
	require.NoError(t, uploadAs("resume", second, listed("cv-2025.docx")))
	require.Equal(t, 3, pgtest.MustCount(t, s.db, `SELECT count(*) FROM documents WHERE user_id = $1`, user.ID), "the program was not stored")

	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tr[data-document]")).map(r => r.innerText)`))
	require.NoError(t, err)
	require.Len(t, rows, 3, "%q", rows)
	require.Contains(t, rows[0], "cv-2025", "newest résumé first")
	require.NotContains(t, rows[0], "cv-2025 default")
	require.Contains(t, rows[1], "Ada Lovelace CV default")
	require.Contains(t, rows[2], "letter default")

	// Make the second résumé the default.
	require.NoError(t, step(ctx,
		chromedp.Click(listed("cv-2025")+`//button[.="Make default"]`),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Default changed")]`),
	))
	defaults, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tr.document-default strong")).map(s => s.innerText)`))
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"cv-2025", "letter"}, defaults)
	shot(t, ctx, dir, "documents")

	// The download link serves the exact bytes, with the session cookie.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`(async () => {
		const a = Array.from(document.querySelectorAll("tr[data-document] a")).find(a => a.innerText === "Ada Lovelace CV.pdf");
		const r = await fetch(a.href);
		if (r.headers.get("Content-Type") !== "application/pdf") throw new Error(r.headers.get("Content-Type"));
		return Array.from(new Uint8Array(await r.arrayBuffer()));
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	gotBytes := make([]byte, len(got))
	for i, b := range got {
		gotBytes[i] = byte(b)
	}
	require.Equal(t, pdf, gotBytes)

	// Delete the first résumé, accepting the confirmation.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	confirmed := make(chan string, 1)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			confirmed <- ev.Message
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			return
		}
	}()
	require.NoError(t, step(ctx,
		chromedp.Click(listed("Ada Lovelace CV")+`//button[.="Delete"]`),
		chromedp.WaitVisible(`//p[contains(@class,"flash")][contains(., "Document deleted")]`),
	))
	require.Contains(t, <-confirmed, "Delete “Ada Lovelace CV”?")
	rows, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("tr[data-document]")).map(r => r.innerText)`))
	require.NoError(t, err)
	require.Len(t, rows, 2)
	blobs, err := url.Parse(s.cfg.Blob.URL)
	require.NoError(t, err)
	require.Len(t, documentstest.MustFiles(t, filepath.Join(blobs.Path, "documents", user.ID.String())), 4,
		"two documents left, each a blob and its attributes")
}
