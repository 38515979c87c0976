package view

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Funcs are the helpers every template may call.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"asset": AssetURL,
		"money": Money,
		"date":  func(t time.Time) string { return t.Local().Format("2 Jan 2006") },
		"datetime": func(t time.Time) string {
			return t.Local().Format("2 Jan 2006, 15:04")
		},
		"query": func(base url.Values, pairs ...string) string {
			v := url.Values{}
			for k, vs := range base {
				v[k] = append([]string(nil), vs...)
			}
			for i := 0; i+1 < len(pairs); i += 2 {
				if pairs[i+1] == "" {
					v.Del(pairs[i])
				} else {
					v.Set(pairs[i], pairs[i+1])
				}
			}
			if len(v) == 0 {
				return ""
			}
			return "?" + v.Encode()
		},
		"itoa":  strconv.Itoa,
		"label": Label,
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}
}

// Label turns a stored code such as "payment_failed" or "bank_transfer"
// into words for people ("Payment failed", "Bank transfer").
func Label(code any) string {
	s := strings.ReplaceAll(fmt.Sprint(code), "_", " ")
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// Money formats integer minor units as the shop currency with two decimals.
func Money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign = "-"
		cents = -cents
	}
	return fmt.Sprintf("%s$%s.%02d", sign, groupThousands(cents/100), cents%100)
}

// Number writes a count with thousands separators ("12,400").
func Number(n int) string { return groupThousands(int64(n)) }

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
