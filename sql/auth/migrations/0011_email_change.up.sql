-- A member changes their address by opening a link sent to the new one
-- (purpose 'change'): the token's email is the address asked for, not the
-- account's, and the account keeps its address until the link is opened.
-- The newest unspent, unexpired 'change' token of a user is their pending
-- change; asking again or cancelling spends the earlier ones.
ALTER TABLE auth.email_tokens DROP CONSTRAINT email_tokens_purpose_check;
ALTER TABLE auth.email_tokens ADD CONSTRAINT email_tokens_purpose_check
    CHECK (purpose IN ('verify', 'reset', 'change'));
