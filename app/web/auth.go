package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"doorstep/app/account"
)

type sendCodeReq struct {
	Phone   string `json:"phone" validate:"required"`
	Purpose string `json:"purpose" validate:"omitempty,oneof=login reset bind"`
}

func (s *Server) sendCode(c *fiber.Ctx) error {
	var in sendCodeReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	if err := s.d.Accounts.SendCode(c.UserContext(), in.Phone, in.Purpose, c.IP()); err != nil {
		return err
	}
	return c.JSON(okBody{OK: true})
}

type smsLoginReq struct {
	Phone string `json:"phone" validate:"required"`
	Code  string `json:"code" validate:"required"`
}

func (s *Server) loginSMS(c *fiber.Ctx) error {
	var in smsLoginReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	sess, err := s.d.Accounts.LoginWithCode(c.UserContext(), in.Phone, in.Code, c.IP())
	if err != nil {
		return err
	}
	return c.JSON(sess)
}

type passwordLoginReq struct {
	Login    string `json:"login" validate:"required" doc:"phone number or email"`
	Password string `json:"password" validate:"required"`
}

func (s *Server) loginPassword(c *fiber.Ctx) error {
	var in passwordLoginReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	sess, err := s.d.Accounts.LoginPassword(c.UserContext(), in.Login, in.Password, c.IP())
	if err != nil {
		return err
	}
	return c.JSON(sess)
}

type emailRegisterReq struct {
	Email       string `json:"email" validate:"required"`
	Password    string `json:"password" validate:"required"`
	DisplayName string `json:"display_name"`
}

func (s *Server) registerEmail(c *fiber.Ctx) error {
	var in emailRegisterReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	sess, err := s.d.Accounts.RegisterEmail(c.UserContext(), in.Email, in.Password, in.DisplayName)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sess)
}

type refreshReq struct {
	RefreshToken string `json:"refresh_token" validate:"required"`
}

func (s *Server) refresh(c *fiber.Ctx) error {
	var in refreshReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	sess, err := s.d.Accounts.Refresh(c.UserContext(), in.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(sess)
}

type resetReq struct {
	Phone    string `json:"phone" validate:"required"`
	Code     string `json:"code" validate:"required"`
	Password string `json:"password" validate:"required"`
}

func (s *Server) resetPassword(c *fiber.Ctx) error {
	var in resetReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	if err := s.d.Accounts.ResetPassword(c.UserContext(), in.Phone, in.Code, in.Password); err != nil {
		return err
	}
	return c.JSON(okBody{OK: true})
}

type providersBody struct {
	Providers []string `json:"providers"`
}

func (s *Server) providers(c *fiber.Ctx) error {
	return c.JSON(providersBody{Providers: s.d.Accounts.Providers()})
}

type oauthStartQuery struct {
	RedirectURI string `query:"redirect_uri" validate:"required,url"`
}

type urlBody struct {
	URL string `json:"url"`
}

func (s *Server) oauthStart(c *fiber.Ctx) error {
	var q oauthStartQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	u, err := s.d.Accounts.StartOAuth(c.Params("provider"), q.RedirectURI)
	if err != nil {
		return err
	}
	return c.JSON(urlBody{URL: u})
}

type oauthCallbackReq struct {
	Code        string `json:"code" validate:"required"`
	State       string `json:"state" validate:"required"`
	RedirectURI string `json:"redirect_uri" validate:"required"`
}

func (s *Server) oauthCallback(c *fiber.Ctx) error {
	var in oauthCallbackReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	sess, err := s.d.Accounts.FinishOAuth(c.UserContext(), c.Params("provider"), in.Code, in.State, in.RedirectURI)
	if err != nil {
		return err
	}
	return c.JSON(sess)
}

type switchReq struct {
	GrantID int64 `json:"grant_id" validate:"gte=0" doc:"0 to act as a customer"`
}

func (s *Server) switchRole(c *fiber.Ctx) error {
	var in switchReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	sess, err := s.d.Accounts.Switch(c.UserContext(), actor(c).AccountID, in.GrantID)
	if err != nil {
		return err
	}
	return c.JSON(sess)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.d.Accounts.Logout(c.UserContext(), actor(c).AccountID); err != nil {
		return err
	}
	return c.JSON(okBody{OK: true})
}

func (s *Server) me(c *fiber.Ctx) error {
	p, err := s.d.Accounts.Me(c.UserContext(), actor(c).AccountID)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) updateMe(c *fiber.Ctx) error {
	var in account.ProfileUpdate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	p, err := s.d.Accounts.UpdateProfile(c.UserContext(), actor(c).AccountID, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

type passwordChangeReq struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password" validate:"required"`
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	var in passwordChangeReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	if err := s.d.Accounts.SetPassword(c.UserContext(), actor(c).AccountID, in.OldPassword, in.NewPassword); err != nil {
		return err
	}
	return c.JSON(okBody{OK: true})
}

type bindPhoneReq struct {
	Phone string `json:"phone" validate:"required"`
	Code  string `json:"code" validate:"required"`
}

func (s *Server) bindPhone(c *fiber.Ctx) error {
	var in bindPhoneReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	if err := s.d.Accounts.BindPhone(c.UserContext(), actor(c).AccountID, strings.TrimSpace(in.Phone), in.Code); err != nil {
		return err
	}
	return c.JSON(okBody{OK: true})
}
