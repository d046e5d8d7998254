/// The console's stylesheet: system fonts, high contrast, one column on a phone.
enum ConsoleStylesheet {
    static let css = """
    :root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b57d0;
            --done: #1e7b34; --failed: #b3261e; --dialing: #0b57d0; --waiting: #8a8a8a; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
    header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 0.5rem;
             padding: 0.75rem 1rem; border-bottom: 1px solid var(--line); }
    header h1 { margin: 0; font-size: 1.25rem; }
    header p { margin: 0; }
    main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
    main.login { max-width: 24rem; margin-top: 10vh; }
    label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
    input[type=password] { width: 100%; padding: 0.5rem; font: inherit; border: 1px solid var(--muted); border-radius: 4px; }
    button { font: inherit; padding: 0.4rem 0.8rem; border: 1px solid var(--accent); border-radius: 4px; background: #fff;
             color: var(--accent); cursor: pointer; min-height: 2.5rem; }
    form button { margin-top: 0.75rem; background: var(--accent); color: #fff; }
    button:focus-visible, input:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
    button:disabled { opacity: 0.5; cursor: default; }
    .error { color: var(--failed); font-weight: 600; }
    .hint { color: var(--muted); font-size: 0.9rem; }
    table { width: 100%; border-collapse: collapse; }
    th, td { text-align: left; padding: 0.5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
    td.actions { white-space: nowrap; }
    td.actions button { margin-right: 0.25rem; }
    .bar { display: flex; width: 100%; min-width: 8rem; height: 1rem; background: #eee; border-radius: 4px; overflow: hidden; }
    .bar span { display: block; height: 100%; }
    .bar .done { background: var(--done); }
    .bar .failed { background: var(--failed); }
    .bar .dialing { background: var(--dialing); }
    .bar .waiting { background: var(--waiting); }
    .counts { color: var(--muted); font-size: 0.9rem; }
    td .why { color: var(--muted); font-size: 0.85rem; }
    section { margin-top: 2rem; }
    #health { margin-top: 0; }
    .health { display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; margin: 0 0 0.75rem; }
    .health dt { color: var(--muted); font-size: 0.9rem; }
    .health dd { margin: 0; font-size: 1.25rem; font-weight: 600; }
    .bad { color: var(--failed); font-weight: 600; }
    textarea { width: 100%; max-width: 24rem; padding: 0.5rem; font: inherit; border: 1px solid var(--muted); border-radius: 4px;
               margin-bottom: 0.75rem; display: block; }
    textarea:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
    input[type=text], select { width: 100%; max-width: 24rem; padding: 0.5rem; font: inherit; border: 1px solid var(--muted);
                               border-radius: 4px; margin-bottom: 0.75rem; }
    .drop { border: 2px dashed var(--muted); border-radius: 6px; padding: 1rem; margin-bottom: 0.75rem; }
    .drop.over { border-color: var(--accent); background: #eef3fd; }
    .drop .hint { margin: 0.25rem 0 0; }
    .problems { color: var(--failed); padding-left: 1.25rem; }
    .problems:empty { display: none; }
    .settings { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
    .settings dt { font-weight: 600; }
    .settings dd { margin: 0; overflow-wrap: anywhere; font-family: ui-monospace, monospace; font-size: 0.9rem; }
    a { color: var(--accent); }
    .report { width: 100%; height: 36rem; border: 1px solid var(--line); border-radius: 4px; }
    a:focus-visible, select:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
    @media (max-width: 40rem) {
      thead { display: none; }
      table, tbody, tr, td { display: block; width: 100%; }
      tr { border-bottom: 2px solid var(--line); padding: 0.5rem 0; }
      td { border: none; padding: 0.25rem 0; }
      .settings { grid-template-columns: 1fr; }
      .settings dd { margin-bottom: 0.5rem; }
      td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
    }

    """
}
