package view

// Resend is a form the router refused because some of its fields held
// characters that are not text (a control character pasted with the
// text, a broken encoding), offered back to send again: nothing typed is
// lost to a stray invisible character.
type Resend struct {
	// Action is where the form was sent, and goes again.
	Action string
	// Multipart keeps the form's encoding, for the files attached again.
	Multipart bool
	// Fields are the form's values, by name; those with a Problem are
	// shown to be checked, the others go again unseen.
	Fields []ResendField
	// Files names the form's file fields: files cannot be sent back, so
	// they are attached again.
	Files []string
}

// ResendField is one value of a resent form.
type ResendField struct {
	Name, Value string
	// Problem says what was wrong with the value as sent; Value is then
	// the text with the refused characters removed.
	Problem string
	// Secret is a password, never written into a page: it is typed again.
	Secret bool
}
