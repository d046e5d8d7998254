import Testing
import Telephony
@testable import Scheduler

@Suite struct TargetNormalizerTests {
    let us = TargetNormalizer(defaultCountryCode: "1")
    let uk = TargetNormalizer(defaultCountryCode: "44")
    let none = TargetNormalizer(defaultCountryCode: nil)

    @Test(arguments: [
        ("+15551234567", "+15551234567"),
        ("+1 (555) 123-4567", "+15551234567"),
        ("555-123-4567", "+15551234567"),
        ("(555) 123.4567", "+15551234567"),
        ("1-555-123-4567", "+15551234567"),
        ("  5551234567 ", "+15551234567"),
        ("0044 20 7946 0958", "+442079460958"),
        ("tel:+1-555-123-4567", "+15551234567"),
        ("tel:+15551234567;ext=12", "+15551234567"),
        ("sip:alice@Example.COM", "sip:alice@example.com"),
        ("SIP:+15551234567@10.0.0.1:5070;user=phone", "sip:+15551234567@10.0.0.1:5070;user=phone"),
    ])
    func normalisesWithUSDefault(raw: String, expected: String) throws {
        #expect(try us.normalize(raw).get().description == expected)
    }

    @Test func nationalNumbersDropTheTrunkPrefix() throws {
        #expect(try uk.normalize("020 7946 0958").get() == .e164("+442079460958"))
        #expect(try uk.normalize("07700 900123").get() == .e164("+447700900123"))
    }

    @Test(arguments: ["555-12", "abc", "+1555", "555-123-45678", "+1234567890123456", "+0123456789", "555 123 4567 x12", "++15551234567"])
    func rejectsWhatIsNotANumber(raw: String) {
        guard case .failure(let error) = us.normalize(raw) else {
            Issue.record("\(raw) was accepted")
            return
        }
        #expect(error.description == "target \"\(raw)\" is not a phone number or SIP URI")
    }

    @Test func explainsOtherFailures() throws {
        #expect(us.normalize("").failureText == "target is empty")
        #expect(none.normalize("555-123-4567").failureText?.contains("no defaultCountryCode is set") == true)
        #expect(us.normalize("tel:5551234").failureText?.contains("local tel: URI") == true)
        #expect(us.normalize("sip:alice@").failureText == "target \"sip:alice@\" is not a valid SIP URI: it has no host")
        // sips: needs TLS, which the project cannot have: refused rather than sent in the clear.
        for secure in ["sips:bob@example.com", "SIPS:bob@example.com"] {
            #expect(us.normalize(secure).failureText == "target \"\(secure)\" is a sips: URI, which needs SIP over TLS; campaignd has no TLS library (its dependency rules allow none) and does not send sips: calls in the clear")
        }
        // E.164 works without a default country code.
        #expect(try none.normalize("+442079460958").get() == .e164("+442079460958"))
    }
}

extension Result where Failure == TargetError {
    var failureText: String? {
        if case .failure(let error) = self { return error.description }
        return nil
    }
}
