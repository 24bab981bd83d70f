package notify

import "encoding/json"

// SMSPayload is the payload QueueSMS would write, for tests that run
// HandleSMS directly.
func SMSPayload(s *Service, phone, template string, params map[string]string) []byte {
	p, err := s.sealSMS(phone, template, params)
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(p)
	return b
}

// PushPayload is the payload HandleDeliver would write for a push.
func PushPayload(s *Service, accountID int64, token, title, body string) []byte {
	b, _ := json.Marshal(pushPayload{AccountID: accountID, Token: s.box.Seal(token), Title: title, Body: body, Data: map[string]string{}})
	return b
}
