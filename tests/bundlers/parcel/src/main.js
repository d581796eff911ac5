import init, * as pc from "projekt-client/inline";
import { mount } from "./scenario.js";

await init();
mount(pc, document.getElementById("app"), "projekt-client/inline");
