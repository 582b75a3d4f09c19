package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/applyq/applyq/internal/domain"
)

// localFiles are an application's documents written where Chromium can
// upload them from, each under its own name (the platform sees it), all
// read before the browser opens the form: a document that cannot be read
// proves nothing went out.
type localFiles struct {
	dir   string
	paths map[domain.ID]string
}

// maxDocument caps a document written for upload.
const maxDocument = 20 << 20

func openFiles(ctx context.Context, files domain.DocumentFiles, p *domain.Packet) (*localFiles, error) {
	docs := append([]domain.FormFile(nil), p.Documents...)
	if p.Form != nil {
		docs = append(docs, p.Form.Files()...)
	}
	lf := &localFiles{paths: map[domain.ID]string{}}
	if len(docs) == 0 {
		return lf, nil
	}
	if files == nil {
		return nil, errors.New("this worker has no document store to upload documents from")
	}
	dir, err := os.MkdirTemp("", "applyq-upload-*")
	if err != nil {
		return nil, fmt.Errorf("upload directory: %w", err)
	}
	lf.dir = dir
	for i, d := range docs {
		if _, ok := lf.paths[d.DocumentID]; ok {
			continue
		}
		path, err := writeDocument(ctx, files, p.UserID, d, filepath.Join(dir, strconv.Itoa(i)))
		if err != nil {
			lf.remove()
			return nil, err
		}
		lf.paths[d.DocumentID] = path
	}
	return lf, nil
}

func writeDocument(ctx context.Context, files domain.DocumentFiles, user domain.ID, d domain.FormFile, dir string) (string, error) {
	rc, _, err := files.OpenForApplication(ctx, user, d.DocumentID)
	if err != nil {
		return "", fmt.Errorf("opening document %s (%s): %w", d.DocumentID, d.Filename, err)
	}
	defer rc.Close()
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, uploadName(d.Filename))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // #nosec G304 -- in our own temporary directory, the name made one path element by uploadName
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(rc, maxDocument+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("reading document %s (%s): %w", d.DocumentID, d.Filename, err)
	}
	if n > maxDocument {
		return "", fmt.Errorf("document %s (%s) is larger than %d MiB", d.DocumentID, d.Filename, maxDocument>>20)
	}
	return path, nil
}

// uploadName is a document's file name, safe as one path element.
func uploadName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r < ' ' {
			return '_'
		}
		return r
	}, filepath.Base(name))
	if name == "" || name == "." || name == ".." {
		return "document"
	}
	return name
}

// path is where the document of id was written.
func (lf *localFiles) path(id domain.ID) (string, bool) {
	p, ok := lf.paths[id]
	return p, ok
}

func (lf *localFiles) remove() {
	if lf != nil && lf.dir != "" {
		_ = os.RemoveAll(lf.dir)
	}
}
