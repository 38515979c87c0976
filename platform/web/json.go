package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
)

// MaxJSONBody bounds every JSON request body.
const MaxJSONBody = 1 << 20

// JSON writes v with status. It encodes v into a buffer first, so the
// answer carries its Content-Length (sent whole, not in chunks) and a value
// that cannot be encoded becomes a clean 500 instead of half a body.
func JSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	if v == nil {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		return
	}
	buf := view.Buffer()
	defer view.PutBuffer(buf)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		slog.Error("encode JSON answer", "err", err)
		e := apperr.ErrInternal
		JSON(w, statusOf[e.Kind], ErrorBody{Error: ErrorDetail{Code: e.Code, Message: e.Message}})
		return
	}
	// Both values in one array, each header a slice of it capped at its
	// one element (as securityHeaders does): one allocation, not two.
	hv := [...]string{"application/json", strconv.Itoa(buf.Len())}
	h["Content-Type"] = hv[0:1:1]
	h["Content-Length"] = hv[1:2:2]
	w.WriteHeader(status)
	if _, err := buf.WriteTo(w); err != nil {
		slog.Debug("write JSON answer", "err", err)
	}
}

// DecodeJSON reads one JSON object into v, rejecting a body not sent as
// application/json, unknown fields, wrong types, trailing data, text that
// is not UTF-8, a string longer than its field's maxLength tag (the
// document's maxLength: `json:"title" maxLength:"300"`) and bodies over
// MaxJSONBody with a 4xx error that names the problem.
//
// The body is read whole before it is decoded: the decoder would quietly
// replace invalid UTF-8, and an escaped half of a surrogate pair, with
// U+FFFD, storing other text than the client sent.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	// JSON has one encoding, UTF-8 (RFC 8259).
	if !SentAs(r, "application/json") {
		return apperr.ErrMediaType
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		return describeJSONError(err)
	}
	if !utf8.Valid(data) || loneSurrogate(data) {
		return apperr.ErrInvalid.WithMessage("the body " + text.ErrEncoding.Error())
	}
	if string(bytes.TrimSpace(data)) == "null" {
		return apperr.ErrBadRequest.WithMessage("the body must be a JSON object")
	}
	if err := checkKeys(data, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return apperr.ErrBadRequest.WithMessage("the body must hold a single JSON object")
	}
	return jsonText(reflect.ValueOf(v), "", "", 0)
}

// DecodeOptionalJSON is DecodeJSON for a body the client may leave out: a
// request without one leaves v as it was.
func DecodeOptionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return DecodeJSON(w, r, v)
}

// checkKeys refuses a key of data that the decoder would read as another
// (or as nothing): one that names no field of the struct its object fills
// exactly as written, and one an object holds twice. encoding/json
// matches keys to fields without regard to case, so {"PRICE_CENTS":5}
// would set price_cents and {"copies":2,"Copies":1} would save one copy,
// where the API document names its keys exactly. It follows v's type
// through the body's structure (braces, brackets, commas and strings),
// leaving malformed JSON and wrong types to the decoder to describe: a
// walk of the decoder's tokens cost ten times as much (42 µs against 4 for
// a checkout's body). Inside a type that reads its own JSON, an interface
// or a map, keys are checked only for repeats. A request's small objects
// are checked on the stack, without allocating; an object of many keys
// gets a set, so that a large body costs in proportion to its size.
func checkKeys(data []byte, v any) error {
	var (
		frames [16]keyFrame
		names  [32][]byte
	)
	open, keys := frames[:0], names[:0]
	root := decodedType(reflect.TypeOf(v))
	expectKey := false
	var key []byte // the last key read, which names the value that follows
	push := func(object bool) {
		t := root
		if n := len(open); n > 0 {
			t = open[n-1].elem
		}
		f := keyFrame{object: object, from: len(keys), name: key}
		switch {
		case t == nil:
		case object && t.Kind() == reflect.Struct:
			f.fields = structFields(t)
		case object && t.Kind() == reflect.Map, !object && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			f.elem = decodedType(t.Elem())
		}
		open, key = append(open, f), nil
	}
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{':
			push(true)
			expectKey = true
		case '[':
			push(false)
			expectKey = false
		case '}', ']':
			if len(open) > 0 {
				keys = keys[:open[len(open)-1].from]
				open = open[:len(open)-1]
			}
			expectKey = false
		case ',':
			expectKey = len(open) > 0 && open[len(open)-1].object
			key = nil
		case '"':
			end := i + 1
			for end < len(data) && data[end] != '"' {
				if data[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(data) {
				return nil
			}
			if expectKey {
				f := &open[len(open)-1]
				key = unescapedKey(data[i : end+1])
				if f.fields != nil {
					t, ok := f.fields[string(key)]
					if !ok {
						return unknownKey(keyPath(open, key), string(key), f.fields)
					}
					f.elem = decodedType(t)
				}
				if seenKey(f.from, &f.seen, keys, key) {
					return apperr.ErrBadRequest.WithMessage(fmt.Sprintf("the key %q appears twice in one object", keyPath(open, key)))
				}
				keys = append(keys, key)
				expectKey = false
			}
			i = end
		}
	}
	return nil
}

// unescapedKey is a key as the decoder reads it, from its quoted JSON
// text: escapes ("\u0061") are undone, which a key seldom holds.
func unescapedKey(quoted []byte) []byte {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return quoted[1 : len(quoted)-1]
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return quoted[1 : len(quoted)-1] // malformed: the decoder says so
	}
	return []byte(s)
}

// keyFrame is an open object (keys[from:] are its keys so far, seen their
// set once it has many) or array of checkKeys. fields are those of the
// struct an object fills (nil: its keys are not checked); elem is the type
// of an array's elements, of a map's values, or of the value of a struct's
// last key. name is the key it is the value of, for an error's path.
type keyFrame struct {
	object bool
	from   int
	seen   map[string]bool
	fields map[string]reflect.Type
	elem   reflect.Type
	name   []byte
}

// keyPath names key of the innermost object of open by its path from the
// body ("shipping_address.city"), as jsonText names a field: an array's
// elements by the array's name.
func keyPath(open []keyFrame, key []byte) string {
	var b strings.Builder
	for _, f := range open {
		if len(f.name) > 0 {
			b.Write(f.name)
			b.WriteByte('.')
		}
	}
	b.Write(key)
	return b.String()
}

// unknownKey refuses a key that names no field, saying which field it
// would name in other case.
func unknownKey(path, key string, fields map[string]reflect.Type) error {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return apperr.ErrBadRequest.WithMessage(fmt.Sprintf("unknown field %q: keys are matched exactly, did you mean %q?", path, name)).
				WithFields(map[string]string{path: fmt.Sprintf("unknown field; did you mean %q?", name)})
		}
	}
	return UnknownField(path)
}

// manyKeys is the number of keys past which an object's keys are looked up
// in a set rather than compared one by one.
const manyKeys = 16

// seenKey reports whether key is among keys[from:] (those of one object so
// far), and adds it to *seen once there are many.
func seenKey(from int, seen *map[string]bool, keys [][]byte, key []byte) bool {
	own := keys[from:]
	if *seen == nil && len(own) < manyKeys {
		for _, k := range own {
			if bytes.Equal(k, key) {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]bool, 2*len(own))
		for _, k := range own {
			(*seen)[string(k)] = true
		}
	}
	if (*seen)[string(key)] {
		return true
	}
	(*seen)[string(key)] = true
	return false
}

// decodedType is the type the decoder fills for a value of type t, or nil
// when its keys are not ours to check: an interface, or a type that reads
// its own JSON (which refuses its unknown keys itself, UnknownField).
func decodedType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		if t.Implements(unmarshalerType) {
			return nil
		}
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	return t
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// fieldsOf caches structFields by type: a request's types are few, and
// each is looked at on every request.
var fieldsOf sync.Map // reflect.Type → map[string]reflect.Type

// structFields maps the keys of a struct's JSON object, as encoding/json
// names them (a tag's name, else the field's; an untagged embedded
// struct's fields as the outer's, an outer field winning), to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldsOf.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	addFields(m, t, 0)
	fieldsOf.Store(t, m)
	return m
}

func addFields(m map[string]reflect.Type, t reflect.Type, depth int) {
	var embedded []reflect.Type
	for i := range t.NumField() {
		sf := t.Field(i)
		ft := sf.Type
		if ft.Name() == "" && ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if !sf.IsExported() && !(sf.Anonymous && ft.Kind() == reflect.Struct) {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case name == "" && sf.Anonymous && ft.Kind() == reflect.Struct:
			embedded = append(embedded, ft)
			continue
		case !sf.IsExported():
			continue
		case name == "":
			name = sf.Name
		}
		if _, ok := m[name]; !ok {
			m[name] = sf.Type
		}
	}
	if depth < 8 {
		for _, et := range embedded {
			addFields(m, et, depth+1)
		}
	}
}

// loneSurrogate reports whether JSON text escapes half of a UTF-16
// surrogate pair ("\ud800" alone), which stands for no character.
func loneSurrogate(data []byte) bool {
	escaped := func(i int) (rune, bool) { // the \uXXXX at data[i:], if any
		if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		r, ok := escaped(i)
		if !ok {
			i++ // an escape of one character: \\ \" \n ...
			continue
		}
		i += 5
		switch {
		case utf16.IsSurrogate(r) && r >= 0xdc00:
			return true
		case utf16.IsSurrogate(r):
			low, ok := escaped(i + 1)
			if !ok || low < 0xdc00 || low > 0xdfff {
				return true
			}
			i += 6
		}
	}
	return false
}

// jsonText applies checkField to every string a decoded body holds, v
// being the value of the field name in the object at parent
// ("shipping_address" for "city"), so JSON text meets the rule query
// strings and forms meet in checkText ("\u0000" is valid JSON). A string
// whose field has a maxLength tag is refused, naming its path, when it is
// longer than max characters.
//
// The length is counted as the client sent the text, as the OpenAPI
// document's maxLength counts it (spaces and all), before any service
// trims it: a client that checks its body against the document has it
// refused for its length only when the document refuses it too. A line
// break counts once, CRLF or CR alike, as the services count the
// multi-line texts they store with LF (text.Lines): a text area's value,
// which browsers send with CRLF, is not refused here for a length the
// service takes.
func jsonText(v reflect.Value, name, parent string, max int) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return jsonText(v.Elem(), name, parent, max)
		}
	case reflect.String:
		if err := checkField(name, v.String()); err != nil {
			return err
		}
		if max > 0 && utf8.RuneCountInString(text.Lines(v.String())) > max {
			path, msg := jsonPath(parent, name), fmt.Sprintf("must be at most %d characters", max)
			return apperr.ErrInvalid.WithMessage(strconv.Quote(path) + " " + msg).WithFields(map[string]string{path: msg})
		}
	case reflect.Struct:
		at := jsonPath(parent, name)
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			field, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case field != "":
			case f.Anonymous && f.Type.Kind() == reflect.Struct:
				// Its fields are the object's own, as the decoder reads them.
			default:
				field = f.Name
			}
			fmax := 0
			if tag := f.Tag.Get("maxLength"); tag != "" {
				fmax, _ = strconv.Atoi(tag)
			}
			if err := jsonText(v.Field(i), field, at, fmax); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := jsonText(v.Index(i), name, parent, 0); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if err := jsonText(iter.Key(), name, parent, 0); err != nil {
				return err
			}
			if err := jsonText(iter.Value(), name, parent, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonPath names the field name of the object at parent, as the API's
// field errors do ("shipping_address.city"); it allocates only for an
// object inside another.
func jsonPath(parent, name string) string {
	switch {
	case parent == "":
		return name
	case name == "":
		return parent
	}
	return parent + "." + name
}

func describeJSONError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return apperr.ErrTooLarge.WithMessage(fmt.Sprintf("the body must be at most %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		return apperr.ErrBadRequest.WithMessage("the body is empty; send a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.ErrBadRequest.WithMessage("the body is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.ErrBadRequest.WithMessage("the body must be a JSON object")
		}
		return apperr.ErrBadRequest.WithMessage(fmt.Sprintf("field %q must be a %s", field, jsonType(typ.Type.Kind().String()))).
			WithFields(map[string]string{field: "must be a " + jsonType(typ.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return UnknownField(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	case apperr.As(err) != nil:
		// A type that reads its own JSON refused it in the API's terms.
		return err
	default:
		return apperr.ErrBadRequest.WithMessage("the body could not be read")
	}
}

// UnknownField refuses a field of a body that the API does not have, named
// by its path. It is also for a type that reads its own JSON (an object
// whose keys are a fixed set), so that its unknown keys are refused as the
// decoder refuses a struct's.
func UnknownField(name string) error {
	return apperr.ErrBadRequest.WithMessage(fmt.Sprintf("unknown field %q", name)).
		WithFields(map[string]string{name: "unknown field"})
}

func jsonType(goKind string) string {
	switch goKind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		// 1.5, 2.0 and a number too large to hold land here alike.
		return "whole number"
	case "float32", "float64":
		return "number"
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	default:
		return "object"
	}
}

// ParseForm reads a form body, telling a body over the size limit (413)
// apart from a malformed one (400).
func ParseForm(r *http.Request) error {
	err := r.ParseForm()
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.ErrTooLarge.WithMessage(fmt.Sprintf("the form must be at most %d bytes", tooBig.Limit))
	}
	return apperr.ErrBadRequest.WithMessage("the form could not be read")
}
