/// Messages from RFC 4475 (SIP Torture Test Messages), written with explicit CRLFs.
enum RFC4475 {
    static let sdp150 = "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\nt=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n"
    static let sdp150b = "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n"

    /// §3.1.1.1 A Short Tortuous INVITE (wsinv)
    static let wsinv = "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
        + "TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
        + "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n"
        + "MaX-fOrWaRdS: 0068\r\n"
        + "Call-ID: wsinv.ndaksdj@192.0.2.1\r\n"
        + "Content-Length   : 150\r\n"
        + "cseq: 0009\r\n  INVITE\r\n"
        + "Via  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw\r\n"
        + "s :\r\n"
        + "NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n"
        + "UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
        + "Content-Type: application/sdp\r\n"
        + "Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
        + "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n"
        + " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n"
        + "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33\r\n"
        + "\r\n" + sdp150

    /// §3.1.1.3 Valid Use of the % Escaping Mechanism (esc01)
    static let esc01 = "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n"
        + "To: sip:%75se%72@example.com\r\n"
        + "From: <sip:I%20have%20spaces@example.net>;tag=938\r\n"
        + "Max-Forwards: 87\r\n"
        + "i: esc01.239409asdfakjkn23onasd0-3234\r\n"
        + "CSeq: 234234 INVITE\r\n"
        + "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\r\n"
        + "C: application/sdp\r\n"
        + "Contact:\r\n  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n"
        + "Content-Length: 150\r\n"
        + "\r\n" + sdp150b

    /// §3.1.1.4 Escaped Nulls in URIs (escnull)
    static let escnull = "REGISTER sip:example.com SIP/2.0\r\n"
        + "To: sip:null-%00-null@example.com\r\n"
        + "From: sip:null-%00-null@example.com;tag=839923423\r\n"
        + "Max-Forwards: 70\r\n"
        + "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\r\n"
        + "CSeq: 14398234 REGISTER\r\n"
        + "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n"
        + "Contact: <sip:%00@host5.example.com>\r\n"
        + "Contact: <sip:%00%00@host5.example.com>\r\n"
        + "L:0\r\n"
        + "\r\n"

    /// §3.1.1.5 Use of % When It Is Not an Escape (esc02)
    static let esc02 = "RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n"
        + "To: \"%Z%45\" <sip:resource@example.com>\r\n"
        + "From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\r\n"
        + "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf\r\n"
        + "Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234\r\n"
        + "CSeq: 29344 RE%47IST%45R\r\n"
        + "Max-Forwards: 70\r\n"
        + "Contact: <sip:alias1@host1.example.com>\r\n"
        + "C%6Fntact: <sip:alias2@host2.example.com>\r\n"
        + "Contact: <sip:alias3@host3.example.com>\r\n"
        + "l: 0\r\n"
        + "\r\n"

    /// §3.1.1.6 Message with No LWS between Display Name and < (lwsdisp)
    static let lwsdisp = "OPTIONS sip:user@example.com SIP/2.0\r\n"
        + "To: sip:user@example.com\r\n"
        + "From: caller<sip:caller@example.com>;tag=323\r\n"
        + "Max-Forwards: 70\r\n"
        + "Call-ID: lwsdisp.1234abcd@funky.example.com\r\n"
        + "CSeq: 60 OPTIONS\r\n"
        + "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\r\n"
        + "l: 0\r\n"
        + "\r\n"

    /// §3.1.1.8 Extra Trailing Octets in a UDP Datagram (dblreq): a second request follows the first.
    static let dblreq = "REGISTER sip:example.com SIP/2.0\r\n"
        + "To: sip:j.user@example.com\r\n"
        + "From: sip:j.user@example.com;tag=43251j3j324\r\n"
        + "Max-Forwards: 8\r\n"
        + "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412\r\n"
        + "Contact: sip:j.user@host.example.com\r\n"
        + "CSeq: 8 REGISTER\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKon23x95u6e\r\n"
        + "Content-Length: 0\r\n"
        + "\r\n"
        + "INVITE sip:joe@example.com SIP/2.0\r\n"
        + "t: sip:joe@example.com\r\n"
        + "From: sip:caller@example.net;tag=141334\r\n"
        + "Max-Forwards: 8\r\n"
        + "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15\r\n"
        + "CSeq: 8 INVITE\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234\r\n"
        + "Content-Type: application/sdp\r\n"
        + "Content-Length: 150\r\n"
        + "\r\n" + sdp150b

    /// §3.1.1.9 Semicolon-Separated Parameters in URI User Part (semiuri)
    static let semiuri = "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\n"
        + "To: sip:j_user@example.com\r\n"
        + "From: sip:caller@example.org;tag=33242\r\n"
        + "Max-Forwards: 3\r\n"
        + "Call-ID: semiuri.0ha0isndaksdj\r\n"
        + "CSeq: 8 OPTIONS\r\n"
        + "Accept: application/sdp, application/pkcs7-mime,\r\n        multipart/mixed, multipart/signed,\r\n        message/sip, message/sipfrag\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\r\n"
        + "l: 0\r\n"
        + "\r\n"

    /// §3.1.1.13 Escaped Characters in a Reason Phrase (unreason), without the UTF-8 body.
    static let unreason = "SIP/2.0 200 = 2**3 * 5**2 \u{043D}\u{043E} \u{0441}\u{0442}\u{043E} \u{0434}\u{0435}\u{0432}\u{044F}\u{043D}\u{043E}\u{0441}\u{0442}\u{043E} \u{0434}\u{0435}\u{0432}\u{044F}\u{0442}\u{044C} - \u{043F}\u{0440}\u{043E}\u{0441}\u{0442}\u{043E}\u{0435}\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\n"
        + "Call-ID: unreason.1234ksdfak3j2erwedfsASdf\r\n"
        + "CSeq: 35 INVITE\r\n"
        + "From: sip:user@example.com;tag=11141343\r\n"
        + "To: sip:user@example.edu;tag=2229\r\n"
        + "Content-Length: 0\r\n"
        + "\r\n"

    /// §3.1.1.14 Empty Reason Phrase (noreason)
    static let noreason = "SIP/2.0 100 \r\n"
        + "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
        + "Call-ID: noreason.asndj203insdf99223ndf\r\n"
        + "CSeq: 35 INVITE\r\n"
        + "From: <sip:user@example.com>;tag=39ansfi3\r\n"
        + "To: <sip:user@example.edu>;tag=902jndnke3\r\n"
        + "Content-Length: 0\r\n"
        + "\r\n"

    // MARK: Invalid messages (§3.1.2), each with a word the error must contain.

    static let headers = "To: sip:j.user@example.com\r\nFrom: sip:caller@example.net;tag=134161461246\r\nMax-Forwards: 7\r\n"
        + "Call-ID: x.0ha0isndaksdjasdf3234nas\r\nVia: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw\r\n"

    static let invalid: [(name: String, text: String, expected: String)] = [
        // §3.1.2.2 Content Length Larger Than Message (clerr)
        ("clerr", "INVITE sip:user@example.com SIP/2.0\r\n" + headers + "CSeq: 8 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 9999\r\n\r\nv=0\r\n", "larger than"),
        // §3.1.2.3 Negative Content-Length (scalar02)
        ("scalar02", "BYE sip:user@example.com SIP/2.0\r\n" + headers + "CSeq: 8 BYE\r\nContent-Length: -999\r\n\r\n", "Content-Length"),
        // §3.1.2.4 Request Scalar Fields with Overlarge Values (scalarlg)
        ("scalarlg", "REGISTER sip:example.com SIP/2.0\r\n" + headers + "CSeq: 36893488147419103232 REGISTER\r\nContent-Length: 0\r\n\r\n", "CSeq"),
        ("scalarlg-maxforwards", "REGISTER sip:example.com SIP/2.0\r\nTo: sip:j@example.com\r\nFrom: sip:j@example.com;tag=1\r\nMax-Forwards: 300\r\nCall-ID: x\r\nVia: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n", "Max-Forwards"),
        // §3.1.2.5 Unterminated Quoted String in Display Name (quotbal)
        ("quotbal", "INVITE sip:user@example.com SIP/2.0\r\nTo: \"Mr. J. User <sip:j.user@example.com>\r\nFrom: sip:caller@example.net;tag=93334\r\nMax-Forwards: 10\r\nCall-ID: quotbal.aksdj\r\nCSeq: 0 INVITE\r\nVia: SIP/2.0/UDP 192.0.2.15:5060;branch=z9hG4bKkdjuw\r\nContent-Length: 0\r\n\r\n", "To"),
        // §3.1.2.6 <> Enclosing Request-URI (ltgtruri)
        ("ltgtruri", "INVITE <sip:user@example.com> SIP/2.0\r\n" + headers + "CSeq: 8 INVITE\r\nContent-Length: 0\r\n\r\n", "<>"),
        // §3.1.2.7 Malformed SIP Request-URI, embedded LWS (lwsruri)
        ("lwsruri", "INVITE sip:user@example.com; lr SIP/2.0\r\n" + headers + "CSeq: 8 INVITE\r\nContent-Length: 0\r\n\r\n", "single spaces"),
        // §3.1.2.8 Multiple SP Separating Request-Line Elements (lwsstart)
        ("lwsstart", "INVITE  sip:user@example.com  SIP/2.0\r\n" + headers + "CSeq: 8 INVITE\r\nContent-Length: 0\r\n\r\n", "single spaces"),
        // §3.1.2.9 SP Characters at End of Request-Line (trws)
        ("trws", "OPTIONS sip:remote-target@example.com SIP/2.0  \r\n" + headers + "CSeq: 8 OPTIONS\r\nContent-Length: 0\r\n\r\n", "single spaces"),
        // §3.1.2.10 Escaped Headers in SIP Request-URI (escruri)
        ("escruri", "INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0\r\n" + headers + "CSeq: 8 INVITE\r\nContent-Length: 0\r\n\r\n", "headers"),
        // §3.1.2.13 Failure to Enclose name-addr URI in <> (badaspec)
        ("badaspec", "OPTIONS sip:user@example.org SIP/2.0\r\nVia: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234\r\nMax-Forwards: 70\r\nFrom: \"Bell, Alexander\" sip:a.g.bell@example.com;tag=433423\r\nTo: \"Watson, Thomas\" < sip:t.watson@example.org >\r\nCall-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3\r\nCSeq: 3923239 OPTIONS\r\nl: 0\r\n\r\n", "From"),
        // §3.1.2.14 Spaces within addr-spec and unquoted display name with a comma (baddn)
        ("baddn", "OPTIONS sip:t.watson@example.org SIP/2.0\r\nVia: SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw\r\nMax-Forwards: 70\r\nFrom: Bell, Alexander <sip:a.g.bell@example.com>;tag=43\r\nTo: Watson, Thomas <sip:t.watson@example.org>\r\nCall-ID: baddn.31415@c.example.com\r\nAccept: application/sdp\r\nCSeq: 3923239 OPTIONS\r\nl: 0\r\n\r\n", "display name"),
        // §3.1.2.15 Unknown Protocol Version (badvers)
        ("badvers", "OPTIONS sip:t.watson@example.org SIP/7.0\r\n" + headers + "CSeq: 8 OPTIONS\r\nl: 0\r\n\r\n", "SIP version"),
        // §3.1.2.16 Start Line and CSeq Method Mismatch (mismatch01)
        ("mismatch01", "OPTIONS sip:user@example.com SIP/2.0\r\n" + headers + "CSeq: 1893884 INVITE\r\nl: 0\r\n\r\n", "does not match"),
        // §3.1.2.17 Unknown Method with CSeq Method Mismatch (mismatch02)
        ("mismatch02", "NEWMETHOD sip:user@example.com SIP/2.0\r\n" + headers + "CSeq: 3923239 INVITE\r\nl: 0\r\n\r\n", "does not match"),
        // §3.1.2.18 Overlarge Response Code (bigcode)
        ("bigcode", "SIP/2.0 4294967301 better not break the receiver\r\nVia: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\nCall-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\r\nCSeq: 353494 INVITE\r\nFrom: <sip:user@example.com>;tag=39ansfi3\r\nTo: <sip:user@example.edu>;tag=902jndnke3\r\nContent-Length: 0\r\n\r\n", "status code"),
        // Not from RFC 4475: our own must-haves.
        ("no-call-id", "BYE sip:user@example.com SIP/2.0\r\nTo: <sip:a@b>;tag=1\r\nFrom: <sip:c@d>;tag=2\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\nCSeq: 1 BYE\r\nl: 0\r\n\r\n", "Call-ID"),
        ("no-blank-line", "BYE sip:user@example.com SIP/2.0\r\nTo: <sip:a@b>;tag=1\r\n", "empty line"),
        ("bad-via", "BYE sip:user@example.com SIP/2.0\r\n" + "To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=2\r\nCall-ID: x\r\nVia: HTTP/1.1 host\r\nCSeq: 1 BYE\r\nl: 0\r\n\r\n", "Via"),
    ]
}
