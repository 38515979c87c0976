package text

// Isolate is s, a name or a title someone typed, set apart from the
// sentence a message puts it in: wrapped in U+2068 FIRST STRONG ISOLATE
// and U+2069 POP DIRECTIONAL ISOLATE, so that a Hebrew or Arabic name
// takes its own direction without reordering the words, digits and
// punctuation around it, wherever the message is shown as plain text
// (a flash, a notification, an API error, an email, a page's <title>, an
// image's alt) and cannot hold a <bdi>. Where isolates are not supported
// they draw nothing, being default-ignorable code points. CheckShown
// refuses them in what people type, so s cannot hold an unmatched one.
func Isolate(s string) string { return "\u2068" + s + "\u2069" }

// Quote is s, a title or a name someone typed, quoted in a message to
// people: between curly quotation marks, isolated (Isolate) within them.
// Unlike %q, it shows s as typed, with no backslash before a quotation
// mark or a non-ASCII letter; fmt.Errorf, for logs, keeps %q.
func Quote(s string) string { return "“" + Isolate(s) + "”" }
