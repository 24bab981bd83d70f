CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW BEGIN
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only';
END;
