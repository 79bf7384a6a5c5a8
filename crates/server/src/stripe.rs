//! Stripe's webhook signatures: `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256>[,v1=...]`, where the
//! HMAC is over `"<t>.<raw body>"` keyed with the endpoint's signing secret. A signature is accepted when any
//! `v1` matches (compared in constant time) and `t` is within the tolerance of now, which stops replays.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    Mismatch,
    /// The signed time is too far from now: a replay, or a badly wrong clock.
    Stale {
        age_seconds: i64,
    },
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureError::Missing => write!(f, "no Stripe-Signature header"),
            SignatureError::Malformed => write!(f, "the Stripe-Signature header has no t= and v1= parts"),
            SignatureError::Mismatch => write!(f, "no v1 signature matches this body and the configured secret"),
            SignatureError::Stale { age_seconds } => {
                write!(f, "the signature's timestamp is {age_seconds} s from now, outside the tolerance")
            }
        }
    }
}

/// Verifies `header` for `body` at unix time `now`.
pub fn verify(header: Option<&str>, body: &[u8], secret: &str, now: i64, tolerance: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", signature)) => signatures.extend(hex::decode(signature).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let matches = signatures.iter().any(|signature| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(signature).is_ok()
    });
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    let age = now - timestamp;
    if age.abs() > tolerance {
        return Err(SignatureError::Stale { age_seconds: age });
    }
    Ok(())
}

/// The header Stripe would send for `body` at `timestamp` (tests and operators' smoke checks).
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A payment recorded as one supporter, read from a verified event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub event_id: String,
    pub kind: String,
    pub amount: Option<i64>,
    pub currency: Option<String>,
}

/// The payment in an event, or `None` for an event that is not a completed, paid checkout (those are
/// acknowledged and ignored). Err when the body is not a Stripe event at all.
pub fn payment(body: &[u8]) -> Result<Option<Payment>, verity_model::Invalid> {
    let event: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let id = event["id"].as_str().ok_or("the event has no id")?;
    let kind = event["type"].as_str().ok_or("the event has no type")?;
    let object = &event["data"]["object"];
    let paid = match kind {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            object["payment_status"].as_str() == Some("paid")
        }
        _ => false,
    };
    if !paid {
        return Ok(None);
    }
    // A signature proves who sent the event, not that its figures make sense: a campaign total must never fall.
    let amount = match &object["amount_total"] {
        serde_json::Value::Null => None,
        value => Some(value.as_i64().filter(|a| *a >= 0).ok_or_else(|| {
            format!("amount_total is {value}, not a whole, non-negative amount in the currency's smallest unit")
        })?),
    };
    Ok(Some(Payment {
        event_id: id.to_string(),
        kind: kind.to_string(),
        amount,
        currency: object["currency"].as_str().map(str::to_string),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;
    const NOW: i64 = 1_780_000_000;

    fn check(header: Option<&str>, body: &[u8], now: i64) -> Result<(), SignatureError> {
        verify(header, body, SECRET, now, 300)
    }

    #[test]
    fn a_fresh_signature_over_the_exact_body_is_accepted() {
        assert_eq!(check(Some(&sign(BODY, SECRET, NOW)), BODY, NOW + 10), Ok(()));
        // Several v1 values (a rolled secret): any one may match.
        let header = format!("t={NOW},v1={},{}", "00".repeat(32), &sign(BODY, SECRET, NOW)[13..]);
        assert_eq!(check(Some(&header), BODY, NOW), Ok(()));
    }

    #[test]
    fn tampered_unsigned_stale_or_foreign_requests_are_refused() {
        let header = sign(BODY, SECRET, NOW);
        assert_eq!(check(Some(&header), br#"{"id":"evt_2"}"#, NOW), Err(SignatureError::Mismatch));
        assert_eq!(check(Some(&sign(BODY, "whsec_other", NOW)), BODY, NOW), Err(SignatureError::Mismatch));
        assert_eq!(check(Some(&header), BODY, NOW + 301), Err(SignatureError::Stale { age_seconds: 301 }));
        assert_eq!(check(Some(&header), BODY, NOW - 400), Err(SignatureError::Stale { age_seconds: -400 }));
        assert_eq!(check(None, BODY, NOW), Err(SignatureError::Missing));
        assert_eq!(check(Some("v1=abcd"), BODY, NOW), Err(SignatureError::Malformed));
        assert_eq!(check(Some(&format!("t={NOW},v0=abcd")), BODY, NOW), Err(SignatureError::Malformed));
        // A timestamp changed after signing breaks the signature, so the tolerance cannot be dodged.
        let moved = header.replacen(&NOW.to_string(), &(NOW + 1000).to_string(), 1);
        assert_eq!(check(Some(&moved), BODY, NOW + 1000), Err(SignatureError::Mismatch));
    }

    #[test]
    fn only_paid_checkouts_are_payments() {
        let paid = br#"{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"payment_status":"paid","amount_total":500,"currency":"eur"}}}"#;
        assert_eq!(
            payment(paid).unwrap(),
            Some(Payment {
                event_id: "evt_1".into(),
                kind: "checkout.session.completed".into(),
                amount: Some(500),
                currency: Some("eur".into())
            })
        );
        let unpaid =
            br#"{"id":"evt_2","type":"checkout.session.completed","data":{"object":{"payment_status":"unpaid"}}}"#;
        assert_eq!(payment(unpaid).unwrap(), None);
        assert_eq!(payment(br#"{"id":"evt_3","type":"customer.created","data":{"object":{}}}"#).unwrap(), None);
        assert!(payment(b"not json").is_err());
    }
}
