package ingest_test

import (
	"strings"
	"testing"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/ingest"
)

func FuzzCSV(f *testing.F) {
	for _, s := range []string{"url,company\nhttps://example.com/a,Acme\n", "url\n\"unterminated\n", "", "\ufeffURL,Title\nx,y\n", "link\nx\n", "url,url\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		jobs, err := ingest.CSV(strings.NewReader(body))
		if err != nil {
			switch domain.ErrorCode(err) {
			case domain.EINVALID, domain.ETOOLARGE:
				return
			}
			t.Fatalf("uncoded error %v", err)
		}
		if len(jobs) > ingest.MaxJobs {
			t.Fatalf("%d postings accepted", len(jobs))
		}
		for _, j := range jobs {
			// Normalising never panics and answers with a coded error or a key.
			if _, err := j.Normalize(); err != nil && domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("uncoded error %v", err)
			}
		}
	})
}
