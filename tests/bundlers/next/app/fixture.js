"use client";
// A client component importing projekt-client at the top, as an app would:
// Next.js also evaluates this module on the server when it prerenders the page.
import { useEffect, useRef } from "react";
import * as pc from "projekt-client";
import { mount } from "./scenario";

export default function Fixture() {
  const root = useRef(null);
  useEffect(() => {
    mount(pc, root.current, "projekt-client");
  }, []);
  return <div id="app" ref={root} />;
}
