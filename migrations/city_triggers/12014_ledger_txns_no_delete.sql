CREATE TRIGGER ledger_txns_no_delete BEFORE DELETE ON ledger_txns FOR EACH ROW BEGIN
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger_txns is append-only';
END;
