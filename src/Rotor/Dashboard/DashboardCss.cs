namespace Rotor.Dashboard;

/// <summary>
/// The dashboard's one stylesheet, served as /static/dashboard.css (the Content-Security-Policy
/// allows styles from the same origin only, no inline ones). Every text colour is at least 4.5:1
/// against its background (WCAG AA); status is told by text and symbol as well as colour;
/// focus is always visible.
/// </summary>
internal static class DashboardCss
{
    // Contrast against the background each sits on (white #ffffff unless noted):
    //   text #1a1a1a 17.4:1; muted #4a4a4a 8.9:1; link #0b57b0 6.9:1;
    //   ok #14532d on #dcfce7 8.9:1; warn #713f12 on #fef3c7 8.2:1; bad #7f1d1d on #fee2e2 8.6:1;
    //   info #1e3a8a on #dbeafe 8.9:1; nav text #ffffff on #1f2937 14.7:1; button #ffffff on #0b57b0 6.9:1;
    //   danger button #ffffff on #a61b1b 7.4:1.
    public const string Text = """
        *,*::before,*::after{box-sizing:border-box}
        html{font-family:"DejaVu Sans",system-ui,sans-serif;font-size:15px;color:#1a1a1a;background:#ffffff;line-height:1.45}
        body{margin:0}
        a{color:#0b57b0}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #c2410c;outline-offset:2px}
        .skip{position:absolute;left:-9999px;top:0;background:#ffffff;padding:.5em}
        .skip:focus{left:.5em;z-index:10}
        header.site{background:#1f2937;color:#ffffff;padding:.5em 1em;display:flex;flex-wrap:wrap;align-items:center;gap:1em}
        header.site a{color:#ffffff}
        header.site .brand{font-weight:bold;font-size:1.15em;text-decoration:none}
        nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:1em}
        nav a[aria-current=page]{text-decoration-thickness:3px}
        header.site .who{margin-left:auto;display:flex;gap:.75em;align-items:center}
        header.site form{margin:0}
        header.site button{background:transparent;color:#ffffff;border:1px solid #ffffff}
        main{padding:1em;max-width:80em}
        h1{font-size:1.5em;margin:.3em 0 .6em}
        h2{font-size:1.2em;margin:1.2em 0 .5em}
        table{border-collapse:collapse;width:100%;margin:.5em 0}
        caption{text-align:left;font-weight:bold;padding:.3em 0}
        th,td{text-align:left;padding:.35em .5em;border-bottom:1px solid #d1d5db;vertical-align:top}
        th{background:#f3f4f6}
        td.num,th.num{text-align:right}
        .muted{color:#4a4a4a}
        .badge{display:inline-block;padding:.05em .5em;border-radius:.3em;font-weight:bold;white-space:nowrap;border:1px solid currentColor}
        .s-ok{color:#14532d;background:#dcfce7}
        .s-warn{color:#713f12;background:#fef3c7}
        .s-bad{color:#7f1d1d;background:#fee2e2}
        .s-info{color:#1e3a8a;background:#dbeafe}
        form.filters{display:flex;flex-wrap:wrap;gap:.75em;align-items:flex-end;margin:.5em 0 1em}
        form.filters div{display:flex;flex-direction:column}
        label{font-weight:bold}
        input,select,button{font:inherit;padding:.35em .5em;border:1px solid #4a4a4a;border-radius:.25em;color:#1a1a1a;background:#ffffff}
        button,.button{background:#0b57b0;color:#ffffff;border:1px solid #0b57b0;cursor:pointer;text-decoration:none;display:inline-block;padding:.35em .8em;border-radius:.25em}
        button.danger,.button.danger{background:#a61b1b;border-color:#a61b1b}
        .actions{display:flex;gap:.75em;flex-wrap:wrap;margin:.75em 0}
        .notice{border:2px solid #1e3a8a;background:#dbeafe;color:#1e3a8a;padding:.6em .8em;margin:.5em 0}
        .error{border:2px solid #7f1d1d;background:#fee2e2;color:#7f1d1d;padding:.6em .8em;margin:.5em 0}
        .pager{display:flex;gap:1em;align-items:center;margin:.75em 0}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25em 1em}
        dl.facts dt{font-weight:bold}
        dl.facts dd{margin:0}
        svg.timeline{width:100%;height:auto;max-width:60em;border:1px solid #d1d5db;background:#ffffff}
        svg.timeline .bar{fill:#0b57b0}
        svg.timeline .bar.soon{fill:#a61b1b}
        svg.timeline text{fill:#1a1a1a;font-size:11px}
        svg.timeline line{stroke:#4a4a4a}
        .login{max-width:32em}
        .login input{width:100%}
        code,.mono{font-family:"DejaVu Sans Mono",monospace;font-size:.92em;word-break:break-all}
        """;
}
