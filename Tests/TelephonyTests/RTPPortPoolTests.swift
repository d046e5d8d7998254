import Testing
@testable import Telephony

@Suite struct RTPPortPoolTests {
    @Test func handsOutEvenPortsWithTheirRTCPPortInTheRange() {
        let pool = RTPPortPool(range: 20001...20010)
        #expect(pool.capacity == 4)  // 20002, 20004, 20006, 20008 (20010 has no 20011)
        var ports: [Int] = []
        while let port = pool.tryAcquire() { ports.append(port) }
        #expect(ports == [20002, 20004, 20006, 20008])
        #expect(pool.available == 0)
    }

    @Test func aReleasedPortIsReused() {
        let pool = RTPPortPool(range: 20000...20009)
        let first = pool.tryAcquire()
        let second = pool.tryAcquire()
        #expect(first == 20000 && second == 20002)
        pool.release(20000)
        #expect(pool.tryAcquire() == 20000)
        // A port something else holds goes to the back: the next ones are tried first.
        pool.releaseBusy(20002)
        #expect(pool.tryAcquire() == 20004)
    }

    @Test func anEmptyPoolMakesTheCallerWaitForTheNextReleasedPort() async {
        let pool = RTPPortPool(range: 20000...20003)
        let held = [pool.tryAcquire(), pool.tryAcquire()]
        #expect(held == [20000, 20002])
        let (waiting, told) = AsyncStream<Void>.makeStream()
        let waiter = Task { await pool.acquire { told.yield() } }
        // The waiter says it waits before it suspends; then the release hands it the port.
        for await _ in waiting { break }
        pool.release(20002)
        #expect(await waiter.value == 20002)
        #expect(pool.available == 0)
    }
}
