#!/usr/bin/env python3
"""A PJSIP callee (PyPI pjsua2-python) for campaignd's tests: it behaves as PBXs built on PJSIP do.

It listens on 127.0.0.1:PORT (UDP) and, for the one call it takes, requires 100rel (RFC 3262) and
session timers (RFC 4028), rings with a reliable 180, answers, sends an UPDATE with a new offer
(RFC 3311) and then a key press in an INFO (application/dtmf-relay), and waits for the caller's BYE.
It prints one line per step and exits 0 only if every request it sent got a 2xx and the caller hung
up; 1 otherwise, 2 if nothing happened within --timeout seconds.

    python3 deploy/pjsip/callee.py --port 5098 [--digit 9] [--timeout 20]
"""
import argparse
import os
import sys
import time

import pjsua2 as pj


def say(*words):
    print(" ".join(str(word) for word in words), flush=True)


class Callee(pj.Call):
    def __init__(self, account, call_id, script):
        pj.Call.__init__(self, account, call_id)
        self.script = script

    def onCallState(self, prm):
        info = self.getInfo()
        say("state", info.stateText, "last_status", info.lastStatusCode)
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.script.confirmed_at = time.monotonic()
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.script.ended = True

    def onCallTsxState(self, prm):
        tsx = prm.e.body.tsxState.tsx
        # Our own UPDATE and INFO, once answered.
        if tsx.role == pj.PJSIP_ROLE_UAC and tsx.method in ("UPDATE", "INFO") and tsx.statusCode >= 200:
            say("response", tsx.method, tsx.statusCode)
            self.script.answers[tsx.method] = tsx.statusCode
        # The caller's requests in the dialog.
        if tsx.role == pj.PJSIP_ROLE_UAS and tsx.method in ("PRACK", "BYE", "UPDATE", "INVITE") and tsx.state == pj.PJSIP_TSX_STATE_TRYING:
            say("request", tsx.method)
            self.script.requests.append(tsx.method)


class Account(pj.Account):
    def __init__(self, script):
        pj.Account.__init__(self)
        self.script = script

    def onIncomingCall(self, prm):
        call = Callee(self, prm.callId, self.script)
        self.script.call = call
        say("incoming", prm.rdata.info.split("\n")[0] if prm.rdata.info else "INVITE")
        ringing = pj.CallOpParam(True)
        ringing.statusCode = 180
        call.answer(ringing)
        self.script.ringing_at = time.monotonic()


class Script:
    def __init__(self):
        self.call = None
        self.ringing_at = None
        self.answered = False
        self.confirmed_at = None
        self.update_sent = False
        self.info_sent = False
        self.answers = {}
        self.requests = []
        self.ended = False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--digit", default="9")
    parser.add_argument("--timeout", type=float, default=20)
    arguments = parser.parse_args()

    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.logConfig.level = 3
    config.logConfig.consoleLevel = 3
    config.medConfig.noVad = True
    endpoint.libInit(config)
    transport = pj.TransportConfig()
    transport.port = arguments.port
    transport.boundAddress = "127.0.0.1"
    transport.publicAddress = "127.0.0.1"
    endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()

    script = Script()
    account_config = pj.AccountConfig()
    account_config.idUri = "sip:callee@127.0.0.1:%d" % arguments.port
    account_config.callConfig.prackUse = pj.PJSUA_100REL_MANDATORY
    account_config.callConfig.timerUse = pj.PJSUA_SIP_TIMER_REQUIRED
    account_config.callConfig.timerSessExpiresSec = 90
    account_config.callConfig.timerMinSESec = 90
    account_config.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    account = Account(script)
    account.create(account_config, True)
    say("ready", arguments.port)

    deadline = time.monotonic() + arguments.timeout
    while not script.ended and time.monotonic() < deadline:
        endpoint.libHandleEvents(20)
        now = time.monotonic()
        call = script.call
        if call is None:
            continue
        if script.ringing_at and not script.answered and now - script.ringing_at > 0.3:
            script.answered = True
            ok = pj.CallOpParam(True)
            ok.statusCode = 200
            call.answer(ok)
        if script.confirmed_at and not script.update_sent and now - script.confirmed_at > 0.3:
            script.update_sent = True
            say("sending UPDATE")
            call.update(pj.CallOpParam(True))
        if "UPDATE" in script.answers and not script.info_sent:
            script.info_sent = True
            say("sending INFO", arguments.digit)
            dtmf = pj.CallSendDtmfParam()
            dtmf.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
            dtmf.digits = arguments.digit
            dtmf.duration = 160
            call.sendDtmf(dtmf)

    ok = (script.ended and script.answers.get("UPDATE", 0) // 100 == 2 and script.answers.get("INFO", 0) // 100 == 2
          and "PRACK" in script.requests and "BYE" in script.requests)
    say("result", "ok" if ok else "failed", "answers", script.answers, "requests", script.requests)
    code = 0 if ok else (2 if script.call is None else 1)
    # Straight out: tearing the library down under Python's own garbage collection of the call and
    # account objects aborts the process, which would hide the result.
    sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
