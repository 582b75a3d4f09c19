package domain_test

import (
	"testing"
	"time"

	"github.com/applyq/applyq/internal/domain"
)

func BenchmarkCanonicalJobKey(b *testing.B) {
	urls := []string{
		"https://www.Example.com:443/careers/123/?utm_source=x&utm_medium=y&gclid=abc&team=core#apply",
		"https://job-boards.greenhouse.io/acme/jobs/4012345?gh_src=abc",
		"https://jobs.lever.co/acme/2f1c7a84-9a6c-4f4e-b7a5-8a7c1f1e2d3c/apply?lever-source=LinkedIn",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := domain.CanonicalJobKey(urls[i%len(urls)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildPacket(b *testing.B) {
	task := &domain.Task{ID: domain.NewID(), RunID: domain.NewID(), JobID: domain.NewID()}
	run := &domain.Run{CoverLetterTemplate: "Dear {{.company}},\n\nI am {{.name}} and I would love to join as {{.title}} in {{.job_location}}.\n\n{{.email}} · {{.phone}}"}
	job := &domain.JobPosting{Company: "Acme", Title: "Engineer", Location: "Berlin", URL: "https://example.com/jobs/1"}
	user := &domain.User{Email: "ada@example.com", Profile: domain.Profile{Name: "Ada Lovelace", Phone: "+44 20 7946 0000"}}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := domain.BuildPacket(task, run, job, user, domain.PacketMaterials{}, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanTransition(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		domain.CanTransition(domain.AllStates[i%9], domain.AllStates[(i/9)%9])
	}
}
