// Command go_peer is the benchmark's comparison peer: a Go net/http server
// with nats.go that serves POST /voter/ as voter.fcgi does, without a web
// server in front.  It checks a Voter.VoterRegistered event about as the
// suite does (valid UTF-8, one JSON object, no unknown fields, ids, name,
// e-mail address), publishes it compactly to JetStream with the suite's
// headers, and returns 200 with {} once the broker has acknowledged it.
// Unlike the suite it matches keys regardless of case, keeps the last of
// duplicate keys, accepts an escaped unpaired surrogate as U+FFFD, counts
// only white space as blank, and uses ids as received.  Each request's goroutine waits
// for its own PubAck.  nats.go's flusher goroutine writes without a delay
// of its own, so the publishes made before it runs share one write.
//
// Usage: go_peer -listen 127.0.0.1:PORT -nats nats://127.0.0.1:PORT
// It prints "listening ADDRESS" once it accepts connections.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
)

const bodyLimit = 64 * 1024

// The declared fields in the order the suite publishes them.
type voterRegistered struct {
	ID         string `json:"id"`
	VoterID    string `json:"voter_id"`
	ElectionID string `json:"election_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
}

// isID reports whether s is a UUID in its 36-character form or a ULID.
func isID(s string) bool {
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz"

	if len(s) == 26 {
		for i := 0; i < len(s); i++ {
			if strings.IndexByte(crockford, s[i]) < 0 {
				return false
			}
		}
		return s[0] <= '7'
	}
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)):
			return false
		}
	}
	return true
}

func validName(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 1 || n > 200 || strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// validEmail applies the suite's rules: one @-sign, a dot-atom of at
// most 64 bytes before it, and dot-separated labels of letters, digits
// and '-' (or non-ASCII) after it.
func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if len(s) > 254 || at < 1 || at > 64 ||
		strings.IndexByte(s[at+1:], '@') >= 0 ||
		strings.IndexByte(s[at+1:], '.') < 0 {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
	}
	local := s[:at]
	if local[0] == '.' || local[len(local)-1] == '.' ||
		strings.Contains(local, "..") ||
		strings.ContainsAny(local, "()<>[]:;,\\\"") {
		return false
	}
	for _, label := range strings.Split(s[at+1:], ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if c < 0x80 && c != '-' && !('0' <= c && c <= '9') &&
				!('a' <= c|0x20 && c|0x20 <= 'z') {
				return false
			}
		}
	}
	return true
}

func valid(e *voterRegistered) bool {
	return isID(e.ID) && isID(e.VoterID) && isID(e.ElectionID) &&
		validName(e.Name) && validEmail(e.Email)
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// handler publishes the Voter.VoterRegistered event of a POST /voter/.
func handler(js nats.JetStreamContext, stream, producer string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			reply(w, 405, `{"detail":"Method Not Allowed"}`)
			return
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			reply(w, 415, `{"detail":"Content-Type must be application/json"}`)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, bodyLimit+1))
		if err != nil || len(body) > bodyLimit {
			reply(w, 413, `{"detail":"body too large"}`)
			return
		}

		// encoding/json would replace invalid UTF-8 instead of rejecting it.
		var e voterRegistered
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if !utf8.Valid(body) || dec.Decode(&e) != nil ||
			dec.Decode(new(json.RawMessage)) != io.EOF || !valid(&e) {
			reply(w, 422, `{"detail":"invalid event"}`)
			return
		}

		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		enc.Encode(&e)
		m := nats.NewMsg(stream + "." + e.ElectionID + ".voter.VoterRegistered")
		m.Header.Set("Event-Type", "PhotoVote.Event.Voter.VoterRegistered")
		m.Header.Set("Nats-Msg-Id", e.ID)
		m.Header.Set("Content-Type", "application/json")
		m.Header.Set("Producer", producer)
		m.Data = bytes.TrimSuffix(out.Bytes(), []byte("\n"))
		if _, err := js.PublishMsg(m, nats.AckWait(5*time.Second)); err != nil {
			w.Header().Set("Retry-After", "1")
			reply(w, 503, `{"detail":"the broker did not acknowledge the event"}`)
			return
		}
		reply(w, 200, `{}`)
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	url := flag.String("nats", nats.DefaultURL, "NATS server URL")
	stream := flag.String("stream", "election", "stream, created when missing")
	flag.Parse()

	nc, err := nats.Connect(*url, nats.Name("voter-go-peer"))
	if err != nil {
		log.Fatalf("go_peer: connecting to %s: %v", *url, err)
	}
	js, err := nc.JetStream()
	if err != nil {
		log.Fatalf("go_peer: JetStream context: %v", err)
	}
	if _, err := js.StreamInfo(*stream); err != nil {
		_, err = js.AddStream(&nats.StreamConfig{Name: *stream,
			Subjects: []string{*stream + ".>"},
			Storage:  nats.FileStorage})
		if err != nil {
			log.Fatalf("go_peer: creating stream %s: %v", *stream, err)
		}
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/voter/", handler(js, *stream, "voter-go-peer"))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("go_peer: listening on %s: %v", *listen, err)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	os.Stdout.Sync()
	log.Fatal(srv.Serve(ln))
}
