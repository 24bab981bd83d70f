package web

import (
	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/notify"
)

// mountInbox maps the inbox endpoints: anyone signed in has an inbox in each
// city (customers, staff, merchant users, operators), no permission needed;
// the service only ever touches the person's own rows.
func (s *Server) mountInbox() {
	s.handle(route{Method: "GET", Path: "/v1/inbox", Summary: "Your notifications in this city, newest first, with the unread count", Tag: "inbox", City: true, Access: signedIn, Query: app.Page{}, Resp: notify.Inbox{}}, s.inbox)
	s.handle(route{Method: "POST", Path: "/v1/inbox/read-all", Summary: "Mark all your notifications in this city read", Tag: "inbox", City: true, Access: signedIn, Resp: readAllBody{}}, s.inboxReadAll)
	s.handle(route{Method: "POST", Path: "/v1/inbox/:id/read", Summary: "Mark one of your notifications read", Tag: "inbox", City: true, Access: signedIn, Resp: notify.Notification{}}, s.inboxRead)
}

type readAllBody struct {
	Marked int64 `json:"marked"`
}

func (s *Server) inbox(c *fiber.Ctx) error {
	var q app.Page
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Notify.Inbox(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) inboxRead(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Notify.MarkRead(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) inboxReadAll(c *fiber.Ctx) error {
	n, err := s.d.Notify.MarkAllRead(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(readAllBody{Marked: n})
}
