({
    doInit: function (cmp) {
        cmp.set("v.canvasParameters", JSON.stringify({ recordId: cmp.get("v.recordId") }));
    }
})
