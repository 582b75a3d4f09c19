package sources

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestHTMLText(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"plain", "Just text.", "Just text."},
		{"entities", "Fish &amp; chips &lt;3 &eacute;t&eacute; &#8364;5 &nbsp;&nbsp;x", "Fish & chips <3 été €5 x"},
		{"paragraphs", "<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"breaks", "a<br>b<br/>c", "a\nb\nc"},
		{"lists", "<p>Needs:</p><ul><li>Go</li><li> Postgres <b>16</b></li><li></li></ul><p>Thanks</p>", "Needs:\n\n- Go\n- Postgres 16\n\nThanks"},
		{"nested lists", "<ul><li>a<ul><li>a1</li></ul></li><li>b</li></ul>", "- a\n\n- a1\n\n- b"},
		{"headings", "<h2>Role</h2>Build things.", "Role\n\nBuild things."},
		{"script and style", "<p>Hi</p><script>alert('x<p>')</script><style>p{color:red}</style><noscript>enable JS</noscript><p>there</p>", "Hi\n\nthere"},
		{"comments and attributes", `<p class="x" onclick="evil()">Hello<!-- hidden --> world</p>`, "Hello world"},
		{"whitespace", "  lots\t\tof \n\n spaces  \r\n here ", "lots of spaces here"},
		{"table", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"unclosed tags", "<p>open <b>bold <i>italic", "open bold italic"},
		{"not tags", "a < b and c > d, R&D, AT&T", "a < b and c > d, R&D, AT&T"},
		{"control characters", "a\x00b\x07c\u0085d\u200be", "a b c d\u200be"},
		{"invalid UTF-8", "ok\xff\xfe fine", "ok fine"},
		{"empty", "<p> </p><div></div>", ""},
		{"svg", `<p>x</p><svg><text>drawn</text></svg><p>y</p>`, "x\n\ny"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, htmlText(c.in, 0), c.name)
	}
}

func TestHTMLText_Cap(t *testing.T) {
	t.Parallel()
	in := "<p>" + strings.Repeat("é ", 1000) + "</p>"
	out := htmlText(in, 100)
	require.Equal(t, 100, utf8.RuneCountInString(out), "cut between words")
	require.True(t, strings.HasSuffix(out, "é…"))

	// A huge input is converted only as far as the cap.
	huge := "<p>" + strings.Repeat("abcdefghij ", 200_000) + "</p><p>" + strings.Repeat("x", 100) + "</p>"
	require.Equal(t, "abcdefghij abcdefghij abcdefghij abcdefghij…", htmlText(huge, 50))
	require.Equal(t, 3, wordsPrefix(" a b c", 1), "the longest prefix with one non-space character")
	require.Equal(t, 6, wordsPrefix(" a b c", 5))

	require.Equal(t, "abc…", truncateText("abcdefghij", 4), "no word end near: cut in the word")
	require.Equal(t, "short", truncateText("short", 5))
}

func TestPlainLine(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Senior Engineer & Lead", plainLine("<b>Senior</b>\n Engineer &amp;  Lead", 300))
	require.Equal(t, "Backend Engineer (Go)", plainLine("  Backend\tEngineer (Go)\r\n", 300))
	require.Equal(t, "R&D Lead", plainLine("R&D Lead", 300))
	require.Equal(t, "a b", plainLine("a\x00b", 300))
	require.Equal(t, "abcd…", plainLine("abcdefgh", 5))
	require.Empty(t, plainLine(" <br/> ", 300))
}

func TestFormatPay(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	require.Equal(t, "USD 120,000 – 150,000 per year", formatPay("usd", f(120000), f(150000), perPeriod(1, "year")))
	require.Equal(t, "USD 120,000 – 150,000", formatPay("USD", f(150000), f(120000), ""), "bounds in order")
	require.Equal(t, "EUR 50,000 per month", formatPay("EUR", f(50000), f(50000), perPeriod(1, "monthly")))
	require.Equal(t, "from GBP 40 per hour", formatPay("GBP", f(40), nil, perPeriod(1, "hour")))
	require.Equal(t, "up to 1,234,567.89", formatPay("", f(0), f(1234567.891), ""))
	require.Equal(t, "USD 25.50 – 30.25 per 6 months", formatPay("USD", f(25.5), f(30.25), perPeriod(6, "MONTH")))
	require.Empty(t, formatPay("USD", nil, nil, "per year"))
	require.Empty(t, formatPay("USD", f(-1), f(0), "per year"))
	require.Empty(t, perPeriod(1, "fortnight"))
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2024, 4, 24, 10, 13, 38, 0, time.UTC)
	for _, s := range []string{"2024-04-24T10:13:38Z", "2024-04-24T12:13:38+02:00", "2024-04-24 10:13:38 UTC", "2024-04-24T10:13:38.000+0000", "2024-04-24 10:13:38"} {
		got := parseTime(s)
		require.NotNil(t, got, s)
		require.True(t, want.Equal(*got), s)
	}
	require.Equal(t, time.Date(2024, 4, 24, 0, 0, 0, 0, time.UTC), *parseTime("2024-04-24"))
	require.Nil(t, parseTime(""))
	require.Nil(t, parseTime("yesterday"))
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	require.Equal(t, "https://a.example/x?y=1", checkURL(" https://a.example/x?y=1 "))
	for _, bad := range []string{"javascript:alert(1)", "/relative", "mailto:a@b.c", "https://", "https://a.example/\x00", "https://a.example/" + strings.Repeat("x", 3000)} {
		require.Empty(t, checkURL(bad), bad)
	}
}
