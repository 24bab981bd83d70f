package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

type okBody struct {
	OK bool `json:"ok"`
}

type readyBody struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	Version string `json:"version"`
}

func (s *Server) healthz(c *fiber.Ctx) error { return c.JSON(okBody{OK: true}) }

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if s.d.Ready != nil {
		if err := s.d.Ready(ctx); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).JSON(readyBody{OK: false, Error: err.Error(), Version: s.cfg.Version})
		}
	}
	return c.JSON(readyBody{OK: true, Version: s.cfg.Version})
}

func (s *Server) metrics(c *fiber.Ctx) error {
	if s.d.Metrics == nil {
		return fiber.ErrNotFound
	}
	return s.d.Metrics.handler()(c)
}
