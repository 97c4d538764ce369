//! Bearer tokens: the tokens file (`name:token` per line) and the check of a request's
//! `Authorization` header. Tokens are compared as SHA-256 digests in constant time, against
//! every token (no early exit), so neither the content nor the length of a token leaks through
//! timing. The name, never the token, is what the audit log and the request log record.

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::path::Path;
use subtle::ConstantTimeEq;

/// Shortest token accepted in a tokens file.
pub const MIN_TOKEN_LEN: usize = 16;

/// The tokens the server accepts, by name.
pub struct Tokens {
    entries: Vec<(String, [u8; 32])>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Tokens {
    /// Reads a tokens file: one `name:token` per line; blank lines and lines starting with `#`
    /// are skipped. Refuses (naming the line) a line without `:`, an empty or repeated name, a
    /// token shorter than [`MIN_TOKEN_LEN`] characters or with spaces, a repeated token, and a
    /// file without tokens.
    pub fn read(path: &Path) -> Result<Tokens> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the tokens file", path.display()))?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// [`Tokens::read`] on text.
    pub fn parse(source: &str, text: &str) -> Result<Tokens> {
        let mut entries: Vec<(String, [u8; 32])> = Vec::new();
        let mut problems = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            let at = format!("{source}:{}", i + 1);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, token)) = line.split_once(':') else {
                problems.push(format!("{at}: expected `name:token`"));
                continue;
            };
            let (name, token) = (name.trim(), token.trim());
            if name.is_empty() {
                problems.push(format!("{at}: the name before `:` is empty"));
            } else if entries.iter().any(|(n, _)| n == name) {
                problems
                    .push(format!("{at}: the name `{name}` is given twice; names identify callers in the audit log"));
            }
            if token.chars().count() < MIN_TOKEN_LEN || token.contains(char::is_whitespace) {
                problems.push(format!(
                    "{at}: the token of `{name}` must be at least {MIN_TOKEN_LEN} characters without spaces (e.g. `openssl rand -hex 32`)"
                ));
                continue;
            }
            let d = digest(token);
            if entries.iter().any(|(_, e)| e == &d) {
                problems.push(format!("{at}: the token of `{name}` is also another name's token"));
            }
            entries.push((name.to_owned(), d));
        }
        if !problems.is_empty() {
            bail!("the tokens file has {} problem(s):\n  {}", problems.len(), problems.join("\n  "));
        }
        if entries.is_empty() {
            bail!("{source}: no tokens in the file; write lines `name:token`");
        }
        Ok(Tokens { entries })
    }

    /// The name of the token given, if it is one of ours. Every stored token is compared.
    pub fn check(&self, given: &str) -> Option<&str> {
        let d = digest(given);
        let mut found = None;
        for (name, stored) in &self.entries {
            if bool::from(stored.ct_eq(&d)) {
                found = Some(name.as_str());
            }
        }
        found
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The token of an `Authorization: Bearer <token>` header value.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_line_of_each_problem() {
        let e = Tokens::parse("t", "# comment\n\nalice:0123456789abcdef\nbob\nalice:fedcba9876543210\ncarol:short\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("t:4: expected `name:token`"), "{e}");
        assert!(e.contains("t:5: the name `alice` is given twice"), "{e}");
        assert!(e.contains("t:6: the token of `carol` must be at least 16"), "{e}");
    }

    #[test]
    fn skips_comments_and_blank_lines() {
        let t = Tokens::parse("t", "# modellers\n\n   \n  # indented\nalice:0123456789abcdef\n").expect("valid");
        assert_eq!(t.len(), 1);
        assert_eq!(t.check("0123456789abcdef"), Some("alice"));
    }

    #[test]
    fn finds_the_name_of_a_token() {
        let t = Tokens::parse("t", "alice:0123456789abcdef\nbob:fedcba9876543210xyz\n").expect("valid");
        assert_eq!(t.check("fedcba9876543210xyz"), Some("bob"));
        assert_eq!(t.check("0123456789abcdef"), Some("alice"));
        assert_eq!(t.check("0123456789abcde"), None);
        assert_eq!(t.check(""), None);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn refuses_a_repeated_token_and_an_empty_file() {
        assert!(Tokens::parse("t", "a:0123456789abcdef\nb:0123456789abcdef\n").is_err());
        assert!(Tokens::parse("t", "# nothing\n").is_err());
    }

    #[test]
    fn reads_bearer_headers() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer("Bearer  "), None);
    }
}
