package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

//go:embed page.js
var pageJS string

// worldName names the isolated world page.js runs in: the page's own
// scripts share its DOM but cannot see or change its functions.
const worldName = "applyq"

// pageState is what page.js "inspect" sees.
type pageState struct {
	URL              string   `json:"url"`
	Own              bool     `json:"own"` // the page is on one of the platform's origins
	Ready            bool     `json:"ready"`
	Challenge        string   `json:"challenge"`
	ChallengeRefusal bool     `json:"challengeRefusal"`
	Login            bool     `json:"login"`
	Form             bool     `json:"form"`
	Apply            bool     `json:"apply"` // no form yet, but a button that brings it
	Submit           bool     `json:"submit"`
	Next             bool     `json:"next"`
	Holds            bool     `json:"holds"`
	Signals          []string `json:"signals"`
	TooMany          bool     `json:"tooMany"`
	CodeStep         bool     `json:"codeStep"`
	Messages         []string `json:"messages"`
	Step             string   `json:"step"`
	Widgets          []string `json:"widgets"` // invisible, score-based checks: part of the page
}

// view is the part of the state the after-click classifier reads.
func (p pageState) view() view {
	return view{URL: p.URL, Form: p.Form, Holds: p.Holds, Signals: p.Signals, Messages: p.Messages, Challenge: p.Challenge,
		ChallengeRefusal: p.ChallengeRefusal, TooMany: p.TooMany, CodeStep: p.CodeStep}
}

// pageConfig is the platform's conventions as page.js reads them.
func pageConfig(pl platform, origins []string) string {
	cfg, _ := json.Marshal(map[string]any{
		"origins": origins,
		"form":    pl.Form, "submit": pl.Submit, "next": pl.Next, "confirmation": pl.Confirmation, "confirmationPaths": pl.ConfirmationPaths,
		"errors": pl.Errors, "commonErrors": common.Errors, "captchaBoxes": common.CaptchaBoxes, "login": common.Login, "loginTexts": common.LoginTexts,
		"confirmationTexts": common.ConfirmationTexts, "tooManyTexts": common.TooManyTexts, "challengeTexts": common.ChallengeTexts,
		"codeTexts": common.CodeTexts, "nextTexts": common.NextTexts, "applyTexts": common.ApplyTexts,
		"fieldWraps": join(pl.FieldWraps, common.FieldWraps), "labels": join(pl.Labels, common.Labels),
		"requiredMarks": join(pl.RequiredMarks, common.RequiredMarks), "choiceButtons": join(pl.ChoiceButtons, common.ChoiceButtons),
		"comboBoxes": join(pl.ComboBoxes, common.ComboBoxes), "comboValues": join(pl.ComboValues, common.ComboValues),
		"uploading": join(pl.Uploading, common.Uploading), "codeInputs": join(pl.CodeInputs, `input[id^="security-input-"]`),
	})
	return string(cfg)
}

// tab is one page in its own browser context, and the isolated world
// page.js runs in there.
type tab struct {
	ctx   context.Context
	cfg   string // pageConfig
	until func() time.Time

	frame cdp.FrameID
	world runtime.ExecutionContextID
}

// errWorldGone: the page navigated and its isolated world went with it.
var errWorldGone = errors.New("the page's isolated world is gone")

// run evaluates page.js's op in the page's isolated world. A page that is
// navigating does not answer until it loaded: one evaluation waits at most
// opWait, and never past the phase's deadline.
func run[T any](t *tab, op string, arg any) (T, error) {
	var zero T
	a, err := json.Marshal(arg)
	if err != nil {
		return zero, err
	}
	expr := "__applyq(__applyqCfg," + jsonString(op) + "," + string(a) + ")"
	ctx, cancel := context.WithTimeout(t.ctx, max(min(opWait, time.Until(t.until())), 0))
	defer cancel()
	for try := 0; ; try++ {
		out, err := chromedp.Run(ctx, t.evaluate(expr))
		if err == nil {
			var v T
			if len(out) == 0 || string(out) == "null" {
				return v, nil
			}
			return v, json.Unmarshal(out, &v)
		}
		if !errors.Is(err, errWorldGone) || try == 2 {
			return zero, err
		}
		t.world = 0 // a new document: a new world
	}
}

// evaluate is an action that evaluates expr in the isolated world (made
// first when there is none) and returns its JSON value.
func (t *tab) evaluate(expr string) chromedp.Action[[]byte] {
	return func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		if t.frame == "" {
			tree, err := cdp.Call(ctx, tg, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return nil, err
			}
			t.frame = tree.FrameTree.Frame.ID
		}
		yes := true
		if t.world == 0 {
			w, err := cdp.Call(ctx, tg, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: t.frame, WorldName: worldName})
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errWorldGone, err)
			}
			// page.js and the platform's conventions are installed once per
			// world (per document): each op is then a short call.
			install := "globalThis.__applyq = (" + pageJS + "); globalThis.__applyqCfg = " + t.cfg + "; true"
			r, err := cdp.Call(ctx, tg, runtime.Evaluate, runtime.EvaluateParams{Expression: install, ContextID: w.ExecutionContextID, ReturnByValue: &yes})
			if err == nil && r.ExceptionDetails != nil {
				err = fmt.Errorf("installing the page script: %s", r.ExceptionDetails.Text)
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errWorldGone, err)
			}
			t.world = w.ExecutionContextID
		}
		r, err := cdp.Call(ctx, tg, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, ContextID: t.world, ReturnByValue: &yes, AwaitPromise: &yes})
		if err != nil {
			if strings.Contains(err.Error(), "context") && (strings.Contains(err.Error(), "find") || strings.Contains(err.Error(), "destroyed")) {
				return nil, fmt.Errorf("%w: %w", errWorldGone, err)
			}
			return nil, err
		}
		if r.ExceptionDetails != nil {
			msg := r.ExceptionDetails.Text
			if r.ExceptionDetails.Exception != nil && r.ExceptionDetails.Exception.Description != "" {
				msg = r.ExceptionDetails.Exception.Description
			}
			// A document replaced while the script ran leaves its world.
			if strings.Contains(msg, "Execution context was destroyed") {
				return nil, fmt.Errorf("%w: %s", errWorldGone, msg)
			}
			return nil, fmt.Errorf("page script %s", strings.SplitN(msg, "\n", 2)[0])
		}
		if r.Result == nil {
			return nil, nil
		}
		return r.Result.Value, nil
	}
}

func jsonString(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (t *tab) inspect() (pageState, error) { return run[pageState](t, "inspect", nil) }
